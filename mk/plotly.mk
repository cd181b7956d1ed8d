# Custom Plotly.js browser bundle (served from app/static/vendor/plotly/).
# Included by the main Makefile: `include mk/plotly.mk`.
# Requires node + npm and access to the npm registry.

.PHONY: plotly-bundle
plotly-bundle: ## Rebuild app/static/vendor/plotly/plotly-custom.min.js from assets/plotly
	bash assets/plotly/build.sh
