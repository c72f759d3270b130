# One image for the API and for the Dredd run: the hooks need the project's Python
# code and Dredd needs Node, so the contract service carries both.
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pyproject.toml README.md ./
COPY packages/dredd-hooks-handler ./packages/dredd-hooks-handler
COPY flask_dredd ./flask_dredd
COPY eventapi ./eventapi
# The hooks handler, a distribution of its own in this repository, first: it satisfies
# flask-dredd's dependency on it.
RUN pip install --no-cache-dir -e ./packages/dredd-hooks-handler -e '.[all,reference]'
COPY . .
ENV PATH="/app/node_modules/.bin:${PATH}" EVENTAPI_CONFIG=contract
EXPOSE 8000
CMD ["gunicorn", "--workers", "2", "--bind", "0.0.0.0:8000", "eventapi:create_app()"]
