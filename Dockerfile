FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY monps monps
COPY ops ops
COPY web web
COPY odds odds
COPY opportunities opportunities
COPY bets bets
COPY stats stats
RUN pip install --no-cache-dir -c requirements.lock .
# What the site serves; not the development tools (devtools/, bench/) nor the tests.
COPY manage.py ./
COPY templates templates
COPY static static
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system monps
USER monps
EXPOSE 8000
