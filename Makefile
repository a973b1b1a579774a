# dockfleet.docker developer entry points. Every target sets up what it needs.
SHELL := /bin/bash
ENV := . tests/platform/env.sh &&
SCENARIO ?= default
# Size of the lab fleet: make lab LAB_MANAGERS=3 LAB_WORKERS=6
LAB_MANAGERS ?= 3
LAB_WORKERS ?= 2

.PHONY: help bootstrap test check lint unit sanity molecule molecule-destroy lab lab-down build clean

help:
	@echo "make lab        bring up a lab swarm (3 managers, 2 workers; LAB_MANAGERS=, LAB_WORKERS=) and converge it with dockfleet.docker.site"
	@echo "make lab-down   remove everything the lab created"
	@echo "make test       full test suite: set-up, lint, sanity, unit, every Molecule scenario"
	@echo "make check      fast: lint, sanity and unit tests only"
	@echo "make molecule SCENARIO=name   one Molecule scenario (molecule test)"

bootstrap:
	@bash tests/platform/bootstrap.sh

test:
	@bash tests/run.sh all

check:
	@bash tests/run.sh check

lint: bootstrap
	@$(ENV) bash tests/run.sh lint

unit: bootstrap
	@$(ENV) bash tests/run.sh unit

sanity: bootstrap
	@$(ENV) bash tests/run.sh sanity

molecule: bootstrap
	@$(ENV) molecule test -s $(SCENARIO)

molecule-destroy:
	@$(ENV) molecule destroy -s $(SCENARIO)

lab:
	@bash examples/lab/lab.sh up $(LAB_MANAGERS) $(LAB_WORKERS)

lab-down:
	@bash examples/lab/lab.sh down

build: bootstrap
	@$(ENV) ansible-galaxy collection build --force --output-path .cache/build .
