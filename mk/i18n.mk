# Translation catalogues. Included by the main Makefile (`include mk/i18n.mk`).
#
# Catalogues are split so that teams do not edit the same file: app/translations holds the shared
# strings (base template, macros, errors, main pages, top-level app/*.py modules) and
# app/<blueprint>/translations the strings of one blueprint (its package and app/templates/<bp>/).
# Flask-Babel merges them at run time (app/i18n.py). Sources are French; the catalogues are English.
#
#   make translations          compile every .po into its .mo (built, never committed)
#   make extract               shared strings  -> app/translations/messages.pot
#   make extract-survey        one blueprint   -> app/survey/translations/messages.pot
#   make update                merge the shared .pot into app/translations/en/.../messages.po
#   make update-survey         same for one blueprint (creates its English catalogue if missing)

PYBABEL := $(BIN)/pybabel
I18N_LANGS := en
I18N_PO := $(wildcard app/translations/*/LC_MESSAGES/messages.po \
                      app/*/translations/*/LC_MESSAGES/messages.po)
I18N_SHARED_SOURCES = $(wildcard app/*.py) app/main $(wildcard app/templates/*.html) \
                      $(wildcard app/templates/main app/templates/errors)

.PHONY: translations extract update

translations: $(I18N_PO:.po=.mo)

%.mo: %.po | $(STAMP)
	$(PYBABEL) compile --domain messages --input-file $< --output-file $@

extract: | $(STAMP)
	$(PYBABEL) extract -F babel.cfg --no-wrap --sort-by-file \
		-o app/translations/messages.pot $(I18N_SHARED_SOURCES)

extract-%: | $(STAMP)
	mkdir -p app/$*/translations
	$(PYBABEL) extract -F babel.cfg --no-wrap --sort-by-file \
		-o app/$*/translations/messages.pot app/$* $(wildcard app/templates/$*)

update: extract
	$(call i18n_merge,app/translations)

update-%: extract-%
	$(call i18n_merge,app/$*/translations)

# $(call i18n_merge,DIR): merge DIR/messages.pot into each language's catalogue, creating it.
define i18n_merge
	for lang in $(I18N_LANGS); do \
		if [ -f $(1)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update --no-wrap -i $(1)/messages.pot -d $(1) -l $$lang || exit 1; \
		else \
			$(PYBABEL) init --no-wrap -i $(1)/messages.pot -d $(1) -l $$lang || exit 1; \
		fi; \
	done
endef

# The command line's catalogue (app/cli_i18n.py): French messages marked tr() / _msg() in the
# sources, translated into English; click's own English messages translated into French.
#   make cli-extract     sources -> app/cli_locale/aict_cli.pot, merged into the English .po
#   make cli-click       click's messages and the commands' help -> app/cli_locale/click.pot,
#                        merged into the French .po (after upgrading click or adding a command)
CLI_LOCALE := app/cli_locale
CLI_PO := $(wildcard $(CLI_LOCALE)/*/LC_MESSAGES/aict_cli.po)
CLI_SOURCES := config.py app

.PHONY: cli-extract cli-click
translations: $(CLI_PO:.po=.mo)

cli-extract: | $(STAMP)
	$(PYBABEL) extract --no-default-keywords -k tr -k _msg --no-wrap --sort-by-file \
		-o $(CLI_LOCALE)/aict_cli.pot $(CLI_SOURCES)
	$(PYBABEL) update --no-wrap -D aict_cli -i $(CLI_LOCALE)/aict_cli.pot -d $(CLI_LOCALE) -l en

cli-click: | $(STAMP)
	$(BIN)/python -c 'from pathlib import Path; from app import cli_i18n, create_app; \
		cli_i18n.write_french_template(Path("$(CLI_LOCALE)/click.pot"), create_app().cli)'
	$(PYBABEL) update --no-wrap -D aict_cli -i $(CLI_LOCALE)/click.pot -d $(CLI_LOCALE) -l fr
