"""What comes in: the dump's inventory (files, archives, encrypted PDFs, limits) and the page
hashes that find a page released twice."""
