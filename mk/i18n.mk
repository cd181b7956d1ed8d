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
