# kernel.mk — rules to build kernels linked with this runtime. Include it
# after setting:
#   KERNELS  names; kernel NAME is every .c and .S file in NAME/
#   BUILD    output directory (NAME.elf, obj/)          default: build
#   RUNTIME  path of this directory                     default: runtime
# Optional per kernel: NAME_CFLAGS, NAME_OBJS (extra objects to link).

# make's built-in default CC is "cc", which `CC ?= gcc` would not replace.
ifeq ($(origin CC),default)
CC      := gcc
endif
CC      ?= gcc
BUILD   ?= build
RUNTIME ?= runtime

# -O2 code uses SSE (the runtime enables it), so no -mgeneral-regs-only.
# Small code model, not PIC: the image is linked at 1 MiB, below 2 GiB.
# Frame pointers make the debugger's stacks readable even without CFI.
CFLAGS  := -std=gnu11 -ffreestanding -nostdlib -mno-red-zone -O2 -g \
           -fno-pic -fno-pie -mcmodel=small -fno-stack-protector \
           -fno-omit-frame-pointer -Wall -Wextra -I$(RUNTIME) $(EXTRA_CFLAGS)
ASFLAGS := -g -I$(RUNTIME)
LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(RUNTIME)/linker.ld \
           -Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments -Wl,--build-id=none

RUNTIME_SRCS := $(wildcard $(RUNTIME)/*.c $(RUNTIME)/*.S)
RUNTIME_OBJS := $(patsubst $(RUNTIME)/%,$(BUILD)/obj/runtime/%.o,$(RUNTIME_SRCS))

all: $(KERNELS:%=$(BUILD)/%.elf)

# Objects are named after the whole source name (main.c.o, main.S.o) so a
# kernel may have a .c and a .S with the same stem.
define kernel_rules
$(1)_SRCS := $$(wildcard $(1)/*.c $(1)/*.S)
$(1)_OBJS += $$($(1)_SRCS:%=$(BUILD)/obj/%.o)
$(BUILD)/obj/$(1)/%.o: CFLAGS += $$($(1)_CFLAGS)
$(BUILD)/$(1).elf: $$($(1)_OBJS) $(RUNTIME_OBJS) $(RUNTIME)/linker.ld
	$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $(RUNTIME_OBJS) -lgcc
endef
$(foreach k,$(KERNELS),$(eval $(call kernel_rules,$(k))))

$(BUILD)/obj/runtime/%.c.o: $(RUNTIME)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/runtime/%.S.o: $(RUNTIME)/%.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -MMD -MP -c -o $@ $<

clean:
	rm -rf $(BUILD)

.PHONY: all clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
