# Everything a fresh Debian machine needs, then the pipeline or the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
# chromium: the review site's browser test (driven by Playwright, no browser download)
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd ghostscript poppler-utils libgl1 libglib2.0-0 chromium
SAMPLE_DUMP ?= fixtures/sample_dump
OUT ?= output

.PHONY: setup system-deps run test bench lint fixtures clean

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: system-deps $(VENV)/.installed

run: setup
	$(VENV)/bin/foia run $(SAMPLE_DUMP) --out $(OUT)

test: setup
	$(VENV)/bin/pytest -q --durations=15

bench: setup
	$(PY) bench/born_digital.py
	$(PY) bench/ocr.py
	$(PY) bench/normalize.py
	$(PY) bench/review.py
	$(PY) bench/scale.py

lint: setup
	$(VENV)/bin/ruff check .

fixtures: setup
	$(PY) fixtures/generate.py --out $(SAMPLE_DUMP)

clean:
	rm -rf $(OUT)/foia.sqlite $(OUT)/exports
