# The two commands: `make run` (set up and serve the demo) and `make test` (the whole suite).
# Production: `make prod` (PostgreSQL; docs/operations.md).
.PHONY: run test venv messages migrate demo serve lint check clean warm prod

STAMP := .venv/.installed-$(shell cat requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)
PY := .venv/bin/python

$(STAMP):
	@scripts/system-deps
	@scripts/bootstrap-venv
	@rm -f .venv/.installed-*
	@touch $@

venv: $(STAMP)

messages: venv
	@$(PY) manage.py compilemessages --ignore='.venv' -v0

migrate: venv
	@$(PY) manage.py migrate --no-input -v0
	@$(PY) manage.py createcachetable

demo: migrate
	@$(PY) manage.py load_demo

# Compile the engine's kernels ahead of time and fill Numba's cache, so no solve pays for it.
warm: venv
	@$(PY) -m tierslien.mixing.warmup

run: messages demo warm
	@scripts/serve

# Set up and run in production: gunicorn, task workers, scheduler (needs DATABASE_URL etc.).
prod:
	@scripts/prod

test: messages warm
	@scripts/system-deps --with-browser || true
	@scripts/node-deps
	@scripts/test

lint: venv
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy

check: venv
	@$(PY) manage.py makemigrations --check --dry-run
	@DEBUG=false SECRET_KEY=check-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ MFA_ENCRYPTION_KEYS=Y2hlY2stb25seS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams= ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf .venv db.sqlite3* var
