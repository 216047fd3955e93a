/* json_float.c: the text of a float as serde_json prints it (zmij, serde_json's float printer).
 *
 * JSON.encode (src/json_module.c) prints floats as the simulator's serde_json does: the
 * shortest digits that read back as the same double, in zmij's layout (`22.5`, `1.0`, `1e+20`,
 * `1.5e-7`). The digits are computed here on big integers rather than with printf, whose last
 * digits differ between C libraries, so the firmware's text matches the simulator's. */
#include <stdio.h>
#include <string.h>

#include "shim.h"

/* Shortest round-trip digits, exactly: Burger and Dybvig's free-format algorithm on big
 * integers (no float arithmetic, no libc conversion, whose last digits differ between C
 * libraries). Among the shortest digit strings that read back as `x` it picks the one closest
 * to `x` (an exact tie: the even digit), as serde_json's printer does. */

#define BIG_WORDS 48

struct big {
    uint32_t w[BIG_WORDS]; /* little-endian 32-bit words */
    int n;                 /* words in use */
};

static void big_set(struct big *b, uint64_t v)
{
    memset(b, 0, sizeof *b);
    b->w[0] = (uint32_t)v;
    b->w[1] = (uint32_t)(v >> 32);
    b->n = b->w[1] ? 2 : (b->w[0] ? 1 : 0);
}

static void big_mul_small(struct big *b, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        b->w[b->n++] = (uint32_t)carry;
    }
}

static void big_shl(struct big *b, int bits)
{
    for (; bits >= 31; bits -= 31) {
        big_mul_small(b, 1u << 31);
    }
    if (bits > 0) {
        big_mul_small(b, 1u << bits);
    }
}

static void big_mul_pow10(struct big *b, int k)
{
    for (; k >= 9; k -= 9) {
        big_mul_small(b, 1000000000u);
    }
    for (; k > 0; k--) {
        big_mul_small(b, 10);
    }
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n) {
        return a->n < b->n ? -1 : 1;
    }
    for (int i = a->n - 1; i >= 0; i--) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] < b->w[i] ? -1 : 1;
        }
    }
    return 0;
}

static void big_add(struct big *out, const struct big *a, const struct big *b)
{
    int n = a->n > b->n ? a->n : b->n;
    uint64_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint64_t t = (uint64_t)(i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0) + carry;
        out->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    out->n = n;
    if (carry) {
        out->w[out->n++] = (uint32_t)carry;
    }
}

/* a -= b, with a >= b */
static void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow ? (int64_t)1 << 32 : 0));
    }
    while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

/* r + m compared with s */
static int big_cmp_sum(const struct big *r, const struct big *m, const struct big *s)
{
    struct big sum;
    big_add(&sum, r, m);
    return big_cmp(&sum, s);
}

/* digits[0..n) with x = 0.d1d2... x 10^point, for finite x > 0. */
static int shortest_digits(double x, char *digits, int *point)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7FF);
    uint64_t f = bits & ((1ull << 52) - 1);
    int e = biased ? biased - 1075 : -1074;
    if (biased) {
        f |= 1ull << 52;
    }
    bool even = (f & 1) == 0;
    bool unequal_gaps = biased > 1 && f == 1ull << 52; /* the gap below is half the gap above */
    struct big r, s, mp, mm;
    big_set(&r, f);
    big_set(&s, 1);
    big_set(&mp, 1);
    big_set(&mm, 1);
    int shift = unequal_gaps ? 2 : 1;
    big_shl(&r, shift);
    big_shl(&s, shift);
    if (unequal_gaps) {
        big_shl(&mp, 1);
    }
    if (e >= 0) {
        big_shl(&r, e);
        big_shl(&mp, e);
        big_shl(&mm, e);
    } else {
        big_shl(&s, -e);
    }
    int k = (int)__builtin_ceil(__builtin_log10(x) - 1e-10);
    if (k >= 0) {
        big_mul_pow10(&s, k);
    } else {
        big_mul_pow10(&r, -k);
        big_mul_pow10(&mp, -k);
        big_mul_pow10(&mm, -k);
    }
    int high = big_cmp_sum(&r, &mp, &s);
    if (even ? high >= 0 : high > 0) {
        k++;
    } else {
        big_mul_small(&r, 10);
        big_mul_small(&mp, 10);
        big_mul_small(&mm, 10);
    }
    int n = 0;
    for (;;) {
        int d = 0;
        while (big_cmp(&r, &s) >= 0) {
            big_sub(&r, &s);
            d++;
        }
        int low = big_cmp(&r, &mm);
        high = big_cmp_sum(&r, &mp, &s);
        bool tc1 = even ? low <= 0 : low < 0;
        bool tc2 = even ? high >= 0 : high > 0;
        if (!tc1 && !tc2) {
            digits[n++] = (char)('0' + d);
            big_mul_small(&r, 10);
            big_mul_small(&mp, 10);
            big_mul_small(&mm, 10);
            continue;
        }
        if (tc1 && tc2) {
            /* both would do: the closer one; an exact tie goes to the even digit */
            struct big twice = r;
            big_mul_small(&twice, 2);
            int c = big_cmp(&twice, &s);
            tc2 = c > 0 || (c == 0 && (d & 1));
        }
        digits[n++] = (char)('0' + d + (tc2 ? 1 : 0));
        *point = k;
        return n;
    }
}

/* zmij::Buffer::format_finite: fixed notation for decimal exponents -5 ..= 15, else
 * `d.ddde+N` / `de-N`. */
size_t json_format_float(double x, char *out)
{
    size_t i = 0;
    if (__builtin_signbit(x)) {
        out[i++] = '-';
        x = -x;
    }
    if (x == 0.0) {
        memcpy(out + i, "0.0", 4);
        return i + 3;
    }
    char d[24];
    int kk;
    int length = shortest_digits(x, d, &kk);
    int k = kk - length;
    if (0 <= k && kk <= 16) {
        memcpy(out + i, d, (size_t)length);
        i += (size_t)length;
        for (int j = length; j < kk; j++) out[i++] = '0';
        out[i++] = '.';
        out[i++] = '0';
    } else if (0 < kk && kk <= 16) {
        memcpy(out + i, d, (size_t)kk);
        i += (size_t)kk;
        out[i++] = '.';
        memcpy(out + i, d + kk, (size_t)(length - kk));
        i += (size_t)(length - kk);
    } else if (-5 < kk && kk <= 0) {
        out[i++] = '0';
        out[i++] = '.';
        for (int j = kk; j < 0; j++) out[i++] = '0';
        memcpy(out + i, d, (size_t)length);
        i += (size_t)length;
    } else {
        out[i++] = d[0];
        if (length > 1) {
            out[i++] = '.';
            memcpy(out + i, d + 1, (size_t)(length - 1));
            i += (size_t)(length - 1);
        }
        i += (size_t)sprintf(out + i, "e%+d", kk - 1);
    }
    out[i] = 0;
    return i;
}
