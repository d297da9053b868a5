# Makefile for multinode (PGXS)
#
#   make                 build multinode.so and the install script
#   make install         install into the PostgreSQL found by PG_CONFIG
#   make tmp-install     copy that PostgreSQL and install multinode into ./tmp_install,
#                        so tests run against this tree without touching the system
#   make test            tmp-install, then every suite (regress, TAP)
#   make regress | tap   one suite

EXTENSION = multinode
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" multinode.control)

MODULE_big = multinode
SRCS = $(sort $(wildcard src/*.c src/*/*.c))
OBJS = $(SRCS:.c=.o)

# Install SQL is written by area under sql/ and concatenated in name order.
SQL_PARTS = $(sort $(wildcard sql/[0-9]*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA = $(wildcard sql/$(EXTENSION)--*--*.sql)
EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql tmp_install tmp_check

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src -I$(shell $(PG_CONFIG) --includedir)
SHLIB_LINK = -lpq -lssl -lcrypto
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare -Wno-cast-function-type -Wno-clobbered

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when any of our
# headers changes (coarse, but never links objects built against old structs).
$(OBJS): $(wildcard src/*.h src/*/*.h)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) multinode.control
	cat $(SQL_PARTS) > $@

# ---- staged installation for tests -------------------------------------------------
PG_BINDIR := $(shell $(PG_CONFIG) --bindir)
PG_SHAREDIR := $(shell $(PG_CONFIG) --sharedir)
PG_PKGLIBDIR := $(shell $(PG_CONFIG) --pkglibdir)
TMP_INSTALL = $(CURDIR)/tmp_install
TMP_BINDIR = $(TMP_INSTALL)$(PG_BINDIR)

# PostgreSQL finds its share and lib directories relative to its binary, so a copy of
# the installation tree under a prefix is a complete, private installation.
tmp-install: all
	@if [ ! -x $(TMP_BINDIR)/postgres ]; then \
	  mkdir -p $(TMP_INSTALL)$(dir $(PG_BINDIR:/=)) $(TMP_INSTALL)$(dir $(PG_SHAREDIR:/=)); \
	  cp -a $(dir $(PG_BINDIR:/=)). $(TMP_INSTALL)$(dir $(PG_BINDIR:/=)); \
	  cp -a $(PG_SHAREDIR)/. $(TMP_INSTALL)$(PG_SHAREDIR); \
	fi
	$(MAKE) install DESTDIR=$(TMP_INSTALL) >/dev/null
	chmod -R a+rX $(TMP_INSTALL)

regress: tmp-install
	test/run-regress $(TMP_BINDIR)

tap: tmp-install
	test/run-tap $(TMP_BINDIR)

test: tmp-install
	test/run-regress $(TMP_BINDIR)
	test/run-tap $(TMP_BINDIR)

format:
	clang-format -i $(SRCS) $(wildcard src/*.h src/*/*.h)

.PHONY: tmp-install regress tap test format
