FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY config ./config
COPY alembic ./alembic
RUN pip install --no-cache-dir -e . && useradd --create-home guanjia && mkdir -p var && chown guanjia var
USER guanjia
EXPOSE 8000
CMD ["guanjia", "serve", "--host", "0.0.0.0", "--port", "8000"]
