# Layer and disk building (endpoint/image.c), included by the top-level Makefile
# after mk/ctl.mk. `make test-image` runs tests/host/image.sh against the
# sanitizer tetherctl: needs root, tar, mke2fs, debugfs, qemu-img, python3.

$(SAN)/tests/image_mkdisk: tests/host/image_mkdisk.c $(CTL_LIB_SRCS) $(PROTO_SRCS) $(B)/gen/tether.pb-c.c $(CTL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(CTL_CPPFLAGS) -o $@ $< $(CTL_LIB_SRCS) $(PROTO_SRCS) \
	  $(B)/gen/tether.pb-c.c $(CTL_LIBS)

.PHONY: test-image
test-image: $(SAN)/tetherctl $(SAN)/tests/image_mkdisk
	CTL=$(SAN)/tetherctl MKDISK=$(SAN)/tests/image_mkdisk sh tests/host/image.sh
