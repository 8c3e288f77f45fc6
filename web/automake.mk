# The live web page (web/src), served by cmon-dpdk --http --web-root.  Its
# npm dependencies (web/package.json, pinned in web/package-lock.json) are
# installed by `npm ci` and vendored into web/dist by make, so the page
# needs no network when it runs.  Unit tests: web/test (node --test).
EXTRA_DIST += web/package.json web/package-lock.json web/src/index.html \
	web/src/app.js web/src/api.js web/src/feed.js web/src/model.js \
	web/src/style.css web/test/model.test.js
if HAVE_NPM
WEB_FILES = $(srcdir)/web/src/index.html $(srcdir)/web/src/app.js \
	$(srcdir)/web/src/api.js $(srcdir)/web/src/feed.js \
	$(srcdir)/web/src/model.js $(srcdir)/web/src/style.css
WEB_NPM_STAMP = $(srcdir)/web/node_modules/.package-lock.json

$(WEB_NPM_STAMP): $(srcdir)/web/package.json $(srcdir)/web/package-lock.json
	$(AM_V_GEN)cd $(srcdir)/web && $(NPM) ci --no-audit --no-fund \
		--loglevel=error && touch node_modules/.package-lock.json

web/dist/.stamp: $(WEB_FILES) $(WEB_NPM_STAMP)
	$(AM_V_GEN)$(MKDIR_P) web/dist/vendor && \
	cp $(WEB_FILES) web/dist/ && \
	cp $(srcdir)/web/node_modules/uplot/dist/uPlot.iife.min.js \
		$(srcdir)/web/node_modules/uplot/dist/uPlot.min.css \
		web/dist/vendor/ && \
	touch $@

all-local: web/dist/.stamp
CLEAN_LOCAL += clean-web
clean-web:
	rm -rf web/dist

# installed where the exporter looks when --web-root is not given
install-data-local: web/dist/.stamp
	$(MKDIR_P) $(DESTDIR)$(cmonwebdir)/vendor
	$(INSTALL_DATA) web/dist/index.html web/dist/app.js web/dist/api.js \
		web/dist/feed.js web/dist/model.js web/dist/style.css \
		$(DESTDIR)$(cmonwebdir)/
	$(INSTALL_DATA) web/dist/vendor/uPlot.iife.min.js \
		web/dist/vendor/uPlot.min.css $(DESTDIR)$(cmonwebdir)/vendor/
uninstall-local:
	rm -rf $(DESTDIR)$(cmonwebdir)
endif
cmonwebdir = $(pkgdatadir)/web
