# chansim: `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,fast]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p results
	$(BIN)/chansim compare scenarios/retail-us.yaml --replications 3 --workers 2 --out results/demo
	@echo "report: results/demo/report.html"

# The HTML report's tests drive the system's Chromium (Debian package): install it
# when it is missing and we may (root with apt-get); otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (Debian package) for the report's browser tests"; \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "no chromium and cannot install it here: the browser tests will be skipped"; fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

check: $(STAMP)
	$(BIN)/chansim check --workers 2

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
