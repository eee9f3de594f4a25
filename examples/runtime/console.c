/* console.c — COM1 output, a small printf, exit() and panic(). */
#include "runtime.h"

#define COM1 0x3f8

void serial_init(void)
{
    outb(COM1 + 1, 0x00);    /* no UART interrupts: output is polled */
    outb(COM1 + 3, 0x80);    /* DLAB on to reach the divisor */
    outb(COM1 + 0, 0x01);    /* divisor 1 = 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);    /* 8N1, DLAB off */
    outb(COM1 + 2, 0xc7);    /* FIFOs on and cleared */
    outb(COM1 + 4, 0x03);    /* DTR | RTS */
}

void serial_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))  /* LSR.THRE: room in the transmitter */
        cpu_relax();
    outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    while (n--)
        serial_putc(*s++);
}

/* Formatting writes through a sink so printf and snprintf share one parser. */
struct sink {
    char *buf;               /* NULL: write to COM1 */
    size_t size, len;
};

static void emit(struct sink *k, char c)
{
    if (!k->buf)
        serial_putc(c);
    else if (k->len + 1 < k->size)
        k->buf[k->len] = c;
    k->len++;
}

static void emit_padded(struct sink *k, const char *s, size_t n, int width, bool left, char pad)
{
    /* With zero padding the sign goes before the zeros: "-0042". */
    if (pad == '0' && n && *s == '-') {
        emit(k, '-');
        s++, n--, width--;
    }
    for (int i = (int)n; !left && i < width; i++)
        emit(k, pad);
    for (size_t i = 0; i < n; i++)
        emit(k, s[i]);
    for (int i = (int)n; left && i < width; i++)
        emit(k, ' ');
}

static int format(struct sink *k, const char *fmt, va_list ap)
{
    static const char digits[] = "0123456789abcdef0123456789ABCDEF";
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(k, *fmt);
            continue;
        }
        bool left = false;
        char pad = ' ';
        int width = 0, lng = 0;
        for (;; fmt++) {
            if (fmt[1] == '-') left = true;
            else if (fmt[1] == '0') pad = '0';
            else break;
        }
        if (fmt[1] == '*')
            fmt++, width = va_arg(ap, int);
        while (fmt[1] >= '0' && fmt[1] <= '9')
            width = width * 10 + (*++fmt - '0');
        int prec = -1;                       /* only used by %s: max length */
        if (fmt[1] == '.') {
            fmt++, prec = 0;
            if (fmt[1] == '*')
                fmt++, prec = va_arg(ap, int);
            while (fmt[1] >= '0' && fmt[1] <= '9')
                prec = prec * 10 + (*++fmt - '0');
        }
        while (fmt[1] == 'l' || fmt[1] == 'z' || fmt[1] == 'h')
            lng += (*++fmt != 'h');
        char c = *++fmt;
        char tmp[24];
        char *end = tmp + sizeof tmp, *p = end;
        uint64_t u;
        switch (c) {
        case 'd': case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            do *--p = digits[u % 10]; while (u /= 10);
            if (v < 0) *--p = '-';
            break;
        }
        case 'u': case 'x': case 'X': case 'p': {
            unsigned base = c == 'u' ? 10 : 16;
            const char *dg = digits + (c == 'X' ? 16 : 0);
            u = c == 'p' ? (uintptr_t)va_arg(ap, void *) : lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            do *--p = dg[u % base]; while (u /= base);
            if (c == 'p') { *--p = 'x'; *--p = '0'; }
            break;
        }
        case 'c':
            *--p = (char)va_arg(ap, int);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t n = 0;
            while (s[n] && (prec < 0 || n < (size_t)prec))
                n++;
            emit_padded(k, s, n, width, left, ' ');
            continue;
        }
        case '%':
            *--p = '%';
            break;
        default:             /* unknown conversion: show it rather than guess */
            *--p = c;
            *--p = '%';
            if (!c) fmt--;
            break;
        }
        emit_padded(k, p, (size_t)(end - p), width, left, pad);
    }
    return (int)k->len;
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink k = { 0 };
    return format(&k, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink k = { buf, size, 0 };
    int n = format(&k, fmt, ap);
    if (size)
        buf[k.len < size ? k.len : size - 1] = 0;
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    serial_write(s, strlen(s));
    serial_putc('\n');
    return 0;
}

void exit(int code)
{
    /* Let the UART finish sending (LSR.TEMT: transmitter and holding register
     * empty) before the power goes: QEMU ends the process on the isa-debug-exit
     * write, and a byte still waiting in its UART would be lost. */
    for (int spins = 0; !(inb(COM1 + 5) & 0x40) && spins < 1000000; spins++)
        cpu_relax();
    outb(0xf4, (uint8_t)code);
    for (;;) {               /* no isa-debug-exit device: stop here */
        cli();
        hlt();
    }
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("panic: ");
    vprintf(fmt, ap);
    va_end(ap);
    serial_putc('\n');
    exit(EXIT_PANIC);
}
