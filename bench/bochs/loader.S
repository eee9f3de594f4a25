/* loader.S — a BIOS boot loader for multiboot v1 kernels that use the
 * "a.out kludge" (header flag bit 16), so Bochs, which has no `-kernel`
 * option, can boot the same binaries as `qemu-system-x86_64 -kernel`.
 *
 * Disk layout (512-byte sectors), written by make-image.js:
 *   LBA 0                     this boot sector (stage 1) with the parameter
 *                             block below, patched per image
 *   LBA 1 .. LOADER_SECTORS-1 stage 2, including the command-line field
 *   LBA LOADER_SECTORS ..     the kernel's load image: the file bytes that
 *                             belong at load_addr .. load_end_addr
 *
 * Memory use below 1 MiB (all free for the boot loader once the BIOS has
 * jumped to 0000:7C00): stack below 0x7C00, stage 2 at 0x7E00, a 32 KiB
 * disk buffer at 0x10000, and — where QEMU's multiboot loader puts them, so
 * the kernel sees the same layout — the info structure at 0x9500 and the
 * command line at 0x9600.
 *
 * Messages go to the Bochs "port 0xE9 hack" (bochsrc `port_e9_hack`) and
 * to the screen via INT 10h AH=0Eh; run-bochs.js reads the former.
 */

#define LOADER_SECTORS  ((loader_end - _start) / 512)
#define MBI_ADDR        0x9500
#define CMDLINE_ADDR    0x9600
#define CMDLINE_SIZE    256          /* bytes, including the terminating NUL */
#define BUF_SEG         0x1000       /* disk buffer at 0x10000 */
#define BUF_SECTORS     64           /* per INT 13h call: 32 KiB, well under the 127-sector limit of some BIOSes (EDD 3.0) */
#define SEL_CODE32      0x08
#define SEL_DATA32      0x10
#define MB_BOOT_MAGIC   0x2badb002   /* EAX at kernel entry, Multiboot 0.6.96 §3.2 */

        .code16
        .text
        .globl _start
_start:
        jmp     stage1
        nop
        .byte   0

        /* Parameter block at offset 4. make-image.js checks the magic and
         * fills the kernel fields; the loader fields are fixed at build time. */
        .ascii  "NVBL"
kernel_lba:     .long 0              /* +8  first sector of the kernel load image */
kernel_bytes:   .long 0              /* +12 load_end_addr - load_addr */
load_addr:      .long 0              /* +16 multiboot header fields (§3.1.3) */
load_end_addr:  .long 0              /* +20 */
bss_end_addr:   .long 0              /* +24 0: no bss */
entry_addr:     .long 0              /* +28 */
loader_sectors: .word LOADER_SECTORS /* +32 */
cmdline_offset: .word cmdline - _start /* +34 offset of the command-line field in the image */
cmdline_size:   .word CMDLINE_SIZE   /* +36 */

stage1:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7c00, %sp
        ljmp    $0, $1f              /* some BIOSes enter at 07C0:0000; the code assumes CS = 0 */
1:      sti
        cld
        mov     %dl, boot_drive      /* the BIOS passes the boot drive in DL */

        /* INT 13h AH=41h BX=55AAh: EDD installation check. Success is CF=0,
         * BX=AA55h and CX bit 0 (the "fixed disk access" subset: AH=42h). */
        mov     $0x41, %ah
        mov     $0x55aa, %bx
        int     $0x13
        jc      1f
        cmp     $0xaa55, %bx
        jne     1f
        test    $1, %cl
        jz      1f
        movb    $1, use_edd
        jmp     2f

        /* No EDD (floppies, old BIOSes): CHS reads need the geometry from
         * INT 13h AH=08h: CL[5:0] = sectors per track, DH = last head. */
1:      mov     $0x08, %ah
        mov     boot_drive, %dl
        xor     %di, %di             /* ES:DI = 0 works around BIOS bugs (RBIL) */
        int     $0x13
        jc      disk_error
        xor     %ax, %ax
        mov     %ax, %es             /* AH=08h returns a floppy table pointer in ES:DI */
        and     $0x3f, %cl
        mov     %cl, spt
        movzbw  %dh, %dx
        inc     %dx
        mov     %dx, heads

2:      mov     $1, %eax
        mov     loader_sectors, %cx
        dec     %cx
        mov     $0x07e0, %bx
        call    read_sectors
        jmp     stage2

/* read_sectors: CX sectors from LBA EAX to BX:0000. With EDD one
 * INT 13h AH=42h call (disk address packet: size 10h, count, offset,
 * segment, 64-bit LBA); otherwise INT 13h AH=02h one sector at a time, which
 * never crosses a track or a 64 KiB DMA boundary. Keeps segment registers. */
read_sectors:
        cmpb    $0, use_edd
        je      3f
        mov     %cx, dap_count
        mov     %bx, dap_seg
        mov     %eax, dap_lba
        mov     $0x42, %ah
        mov     boot_drive, %dl
        mov     $dap, %si
        int     $0x13
        jc      disk_error
        ret
3:      pushal
        push    %es
        mov     %bx, %es
        xor     %edx, %edx
        movzbl  spt, %ebx
        div     %ebx                 /* EAX = LBA / spt, EDX = LBA % spt */
        mov     %dl, %cl
        inc     %cl                  /* sectors count from 1 */
        xor     %edx, %edx
        movzwl  heads, %ebx
        div     %ebx                 /* EAX = cylinder, EDX = head */
        mov     %dl, %dh
        mov     %al, %ch             /* CH = cylinder[7:0], CL[7:6] = cylinder[9:8] */
        shl     $6, %ah
        or      %ah, %cl
        mov     boot_drive, %dl
        xor     %bx, %bx
        mov     $0x0201, %ax         /* AH=02h read, AL=1 sector, to ES:BX */
        int     $0x13
        jc      disk_error
        pop     %es
        popal
        inc     %eax
        add     $512 / 16, %bx
        loop    3b
        ret

disk_error:
        mov     $msg_disk, %si
/* fatal: print the NUL-terminated string at DS:SI and stop. */
fatal:  call    puts
4:      cli
        hlt
        jmp     4b

/* puts: the string at DS:SI to port 0xE9 and, via INT 10h AH=0Eh
 * (teletype output), to the screen. */
puts:   lodsb
        test    %al, %al
        jz      5f
        out     %al, $0xe9
        mov     $0x0e, %ah
        mov     $0x0007, %bx
        push    %si
        int     $0x10
        pop     %si
        jmp     puts
5:      ret

msg_disk:  .asciz "nvboot: disk read error\r\n"

boot_drive: .byte 0
use_edd:    .byte 0
spt:        .byte 0
heads:      .word 0
        .balign 4
dap:        .byte 0x10, 0
dap_count:  .word 0
dap_off:    .word 0
dap_seg:    .word 0
dap_lba:    .long 0, 0

        .org    510
        .word   0xaa55               /* boot signature the BIOS checks */

/* ---- stage 2 (LBA 1.., at 0x7E00) ---------------------------------- */
stage2:
        mov     $msg_hello, %si
        call    puts

        /* A20 (Multiboot §3.2 requires it enabled): INT 15h AX=2401h, and if
         * that did not work the "fast A20" bit 1 of port 92h (bit 0 would
         * reset the machine). */
        mov     $0x2401, %ax
        int     $0x15
        call    a20_on
        je      1f
        in      $0x92, %al
        or      $2, %al
        and     $0xfe, %al
        out     %al, $0x92
        call    a20_on
        je      1f
        mov     $msg_a20, %si
        jmp     fatal

        /* Memory sizes for the info structure (§3.3: mem_lower and mem_upper
         * in KiB, upper memory from 1 MiB to the first hole):
         * INT 12h AX = KiB of conventional memory; INT 15h AX=E801h
         * AX/CX = KiB between 1 and 16 MiB, BX/DX = 64 KiB blocks above
         * 16 MiB (some BIOSes answer only in CX/DX); INT 15h AH=88h
         * (KiB above 1 MiB, at most 64 MiB) as the fallback. */
1:      int     $0x12
        mov     %ax, mbi_mem_lower
        mov     $0xe801, %ax
        xor     %bx, %bx
        xor     %cx, %cx
        xor     %dx, %dx
        int     $0x15
        jc      2f
        jcxz    3f
        mov     %cx, %ax
        mov     %dx, %bx
3:      movzwl  %ax, %eax
        cmp     $15 * 1024, %ax      /* blocks above 16 MiB count only without a hole below */
        jne     4f
        movzwl  %bx, %ebx
        shl     $6, %ebx
        add     %ebx, %eax
        jmp     4f
2:      mov     $0x88, %ah
        int     $0x15
        jnc     5f
        xor     %ax, %ax
5:      movzwl  %ax, %eax
4:      mov     %eax, mbi_mem_upper

        /* The kernel load image, BUF_SECTORS at a time, from the buffer
         * below 1 MiB to its place above 1 MiB. */
        mov     kernel_lba, %eax
        mov     %eax, next_lba
        mov     load_addr, %eax
        mov     %eax, dest
        mov     kernel_bytes, %eax
        mov     %eax, remaining
6:      mov     remaining, %eax
        test    %eax, %eax
        jz      8f
        mov     $BUF_SECTORS * 512, %ecx
        cmp     %ecx, %eax
        jbe     7f
        mov     %ecx, %eax
7:      mov     %eax, chunk          /* bytes this round */
        add     $511, %eax
        shr     $9, %eax
        mov     %ax, %cx
        mov     next_lba, %eax
        mov     $BUF_SEG, %bx
        call    read_sectors
        call    unreal
        mov     $BUF_SEG * 16, %esi
        mov     dest, %edi
        mov     chunk, %ecx
        addr32 rep movsb
        sti
        mov     chunk, %eax
        add     %eax, dest
        sub     %eax, remaining
        addl    $BUF_SECTORS, next_lba
        jmp     6b

        /* Zero the bss (§3.1.3: bss_end_addr 0 means there is none). */
8:      mov     bss_end_addr, %ecx
        jecxz   9f
        mov     load_end_addr, %edi
        sub     %edi, %ecx
        jbe     9f
        call    unreal
        xor     %al, %al
        addr32 rep stosb
        sti

        /* The multiboot information structure (§3.3): a copy of the
         * command-line field plus the fields the flags announce. */
9:      mov     $MBI_ADDR, %di
        mov     $(CMDLINE_ADDR + CMDLINE_SIZE - MBI_ADDR) / 2, %cx
        xor     %ax, %ax
        rep stosw
        mov     $mbi, %si
        mov     $MBI_ADDR, %di
        mov     $mbi_end - mbi, %cx
        rep movsb
        mov     $cmdline, %si
        mov     $CMDLINE_ADDR, %di
        mov     $CMDLINE_SIZE - 1, %cx   /* the last byte stays NUL */
        rep movsb
        mov     $loader_name, %si
        mov     $CMDLINE_ADDR + CMDLINE_SIZE, %di
        mov     $loader_name_end - loader_name, %cx
        rep movsb

        mov     $msg_go, %si
        call    puts

        /* Machine state at entry (§3.2): protected mode, paging off, flat
         * 4 GiB code and data segments, IF=0, EAX = magic, EBX = &info. */
        cli
        lgdtl   gdt_desc
        mov     %cr0, %eax
        or      $1, %al              /* PE */
        mov     %eax, %cr0
        ljmpl   $SEL_CODE32, $pm32

        .code32
pm32:   mov     $SEL_DATA32, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %fs
        mov     %ax, %gs
        mov     %ax, %ss
        mov     $0x7c00, %esp        /* the kernel must set its own; this one is just valid */
        mov     entry_addr, %ecx
        mov     $MB_BOOT_MAGIC, %eax
        mov     $MBI_ADDR, %ebx
        jmp     *%ecx
        .code16

/* unreal: give DS and ES a 4 GiB limit while staying in real mode, so
 * 32-bit addresses (addr32 movs/stos) reach above 1 MiB. Loading a selector
 * in protected mode fills the hidden descriptor cache; back in real mode a
 * segment load only sets the base (sel * 16) and keeps the cached limit
 * (Intel SDM Vol. 3A 9.9.2 / "big real mode"). Returns with IF=0, so no BIOS
 * interrupt handler runs until the caller's copy is done. Keeps AL. */
unreal: cli
        push    %ds
        push    %es
        lgdtl   gdt_desc
        mov     %cr0, %edx
        or      $1, %dl
        mov     %edx, %cr0
        jmp     1f                   /* SDM 9.9.1: a jump right after setting PE */
1:      mov     $SEL_DATA32, %bx
        mov     %bx, %ds
        mov     %bx, %es
        and     $0xfe, %dl
        mov     %edx, %cr0
        jmp     2f
2:      pop     %es
        pop     %ds
        ret

/* a20_on: ZF=1 if A20 is enabled: the word at 0000:7DFE (the boot
 * signature) and the one 1 MiB above it, FFFF:7E0E, are the same memory
 * when A20 is masked. */
a20_on: push    %ds
        push    %es
        xor     %ax, %ax
        mov     %ax, %ds
        not     %ax
        mov     %ax, %es
        mov     $0x7dfe, %si
        mov     $0x7e0e, %di
        mov     (%si), %ax
        mov     %es:(%di), %dx
        cmp     %ax, %dx
        jne     3f                   /* different: enabled, ZF=0 -> set ZF below */
        notw    (%si)                /* equal: change one and look again */
        mov     %es:(%di), %dx
        notw    (%si)
        cmp     %ax, %dx
        jne     3f
        or      $1, %ax              /* aliased: ZF=0 */
        jmp     4f
3:      xor     %ax, %ax             /* ZF=1 */
4:      pop     %es
        pop     %ds
        ret

msg_hello: .asciz "nvboot: loading kernel\r\n"
msg_go:    .asciz "nvboot: jumping to kernel\r\n"
msg_a20:   .asciz "nvboot: cannot enable A20\r\n"
loader_name: .asciz "nestvirt bench/bochs loader"
loader_name_end:

        .balign 4
next_lba:  .long 0
dest:      .long 0
remaining: .long 0
chunk:     .long 0

        /* Template of the info structure, copied to MBI_ADDR (§3.3). */
mbi:    .long   (1 << 0) | (1 << 2) | (1 << 9)   /* flags: mem_*, cmdline, boot_loader_name */
mbi_mem_lower: .long 0               /* +4 */
mbi_mem_upper: .long 0               /* +8 */
        .long   0                    /* +12 boot_device (flag 1 not set) */
        .long   CMDLINE_ADDR         /* +16 cmdline */
        .fill   11, 4, 0             /* +20..+60 mods, syms, mmap, drives, config_table */
        .long   CMDLINE_ADDR + CMDLINE_SIZE /* +64 boot_loader_name */
mbi_end:

        .balign 8
gdt:    .quad   0
        .quad   0x00cf9a000000ffff   /* 0x08: 32-bit code, base 0, limit 4 GiB */
        .quad   0x00cf92000000ffff   /* 0x10: data, base 0, limit 4 GiB */
gdt_desc:
        .word   gdt_desc - gdt - 1
        .long   gdt

        /* Command line, NUL-terminated; make-image.js patches it per run. */
cmdline:
        .asciz  "bench"
        .org    cmdline + CMDLINE_SIZE, 0

        .balign 512, 0
loader_end:

        .section .note.GNU-stack, "", @progbits
