# mk/mutants.mk — `make mutants`: the mutation check of the suite (mk/mutants.sh,
# tests/mutants/list). Not part of `make test`: minutes, run by hand. Each mutant
# is a small deliberate bug; the tests named for it must fail. Needs root, like
# the host and VM suites. MUTANTS="NAME..." runs only those entries.
MUTANTS ?=

# The unit test programs, built without running them (the mutants' "unit" kill).
.PHONY: unit-bins
unit-bins: $(UNIT_BINS)

.PHONY: mutants
mutants: $(SAN)/tether $(SAN)/tetherctl $(B)/tether $(B)/tetherctl build/initramfs.cpio.gz build/bootstrap.iso
	bash mk/mutants.sh $(MUTANTS)
