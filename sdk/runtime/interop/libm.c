/* libm: the C library's math functions CoreLib's Math and MathF call on
 * linux-x64 (RuntimeImports' "acos", "sinf", ...), for a kernel with no C
 * library. Written from the math, not from any libm's source.
 *
 * How: every transcendental function is evaluated in double-double
 * arithmetic (a value is an unevaluated sum hi + lo of two doubles, about 106
 * bits) with its argument reduced exactly (Cody-Waite with a four-part pi/2,
 * Payne-Hanek with 1536 bits of 2/pi for huge arguments, exact powers of two
 * for exp and log) and Taylor series of the reduced argument; the result is
 * hi + lo rounded once. So results are correctly rounded except where the
 * exact value lies within about 2^-100 of a rounding boundary, and exact
 * where the exact result is a double (pow(2, 10), log10(1000), cbrt(27)).
 * glibc, .NET's reference on Linux, is correctly rounded almost always too:
 * tests/runtime/libm-vs-host compares both on random and special arguments
 * (its README and the runtime README give the figures). Subnormal results of
 * exp and pow may be 1 ulp off (rounded twice). floor, trunc, fmod, fma and
 * the float rounding functions are exact by construction (integer
 * arithmetic). Float functions evaluate the double function and round: the
 * double result is within 2^-52 relative, so the float is correctly rounded
 * except on a float's exact half-way points (about 2^-29 of arguments).
 *
 * The qemu64 CPU has SSE2 only: no FMA, no SSE4.1 roundsd, so products are
 * split exactly (Dekker) and rounding is done on the bits. Compiled without
 * contraction of a*b+c (compile-c's flags): the error-free transformations
 * below depend on each operation being rounded on its own.
 *
 * Exports (double and float, f suffix): acos, acosh, asin, asinh, atan,
 * atan2, atanh, cbrt, cos, cosh, exp, floor, fma, fmod, log, log10, log2, pow,
 * sin, sinh, tan, tanh; ceilf, modff (ceil and modf are libc_ceil.asm and
 * libc_modf.asm).
 */
#include <stdint.h>

/* The runtime's C is compiled with -mgeneral-regs-only (compile-c, so that
 * no C of the runtime touches the SSE registers managed code owns); these
 * functions take and return doubles in SSE registers, as managed code calls
 * them, so this file alone is compiled for SSE2. */
#pragma clang attribute push(__attribute__((target("sse,sse2"))), apply_to = function)

/* ---- bits ---- */

static inline uint64_t bits_of(double x) {
    union { double d; uint64_t u; } v = { x };
    return v.u;
}

static inline double double_of(uint64_t u) {
    union { uint64_t u; double d; } v = { u };
    return v.d;
}

static inline float float_of(uint32_t u) {
    union { uint32_t u; float f; } v = { u };
    return v.f;
}

#define SIGN_BIT 0x8000000000000000ull
#define EXP_MASK 0x7FF0000000000000ull
#define MANT_MASK 0x000FFFFFFFFFFFFFull

static inline int is_nan(double x) { return (bits_of(x) & ~SIGN_BIT) > EXP_MASK; }
static inline int is_inf(double x) { return (bits_of(x) & ~SIGN_BIT) == EXP_MASK; }
static inline int is_finite(double x) { return (bits_of(x) & EXP_MASK) != EXP_MASK; }
static inline double fabs_(double x) { return double_of(bits_of(x) & ~SIGN_BIT); }
static inline double copysign_(double x, double s) {
    return double_of((bits_of(x) & ~SIGN_BIT) | (bits_of(s) & SIGN_BIT));
}

static inline double sqrt_(double x) {
    __asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
    return x;
}

/* x * 2^n for any n: the steps before the last stay normal (exact), so a
 * subnormal result is rounded once. */
static double scale2(double x, int n) {
    while (n > 1023) { x *= 0x1p1023; n -= 1023; }
    while (n < -1022) { x *= 0x1p-969; n += 969; }
    return x * double_of((uint64_t)(n + 1023) << 52);
}

/* x = m * 2^e with m in [1, 2) (x finite, nonzero, positive). */
static double frexp1(double x, int *e) {
    uint64_t b = bits_of(x);
    int shift = 0;
    if (!(b & EXP_MASK)) {               /* subnormal */
        x *= 0x1p54;
        b = bits_of(x);
        shift = 54;
    }
    *e = (int)((b >> 52) & 0x7FF) - 1023 - shift;
    return double_of((b & MANT_MASK) | 0x3FF0000000000000ull);
}

/* Round to an integer, ties to even (|x| < 2^52). */
static double round_even(double x) {
    double big = copysign_(0x1p52, x);
    volatile double t = x + big;
    return t - big;
}

/* ---- double-double arithmetic ---- */

typedef struct { double hi, lo; } dd;

static inline dd dd_of(double x) { return (dd){ x, 0.0 }; }

static inline dd two_sum(double a, double b) {
    double s = a + b;
    double bb = s - a;
    return (dd){ s, (a - (s - bb)) + (b - bb) };
}

static inline dd quick_two_sum(double a, double b) {
    double s = a + b;
    return (dd){ s, b - (s - a) };
}

/* Dekker's split: a = hi + lo, each with at most 26 significant bits. */
static inline void split(double a, double *hi, double *lo) {
    if (fabs_(a) > 0x1p995) {
        /* 2^27 a would overflow: hi is a truncated to 26 bits, lo has 27
         * (still exact in two_prod unless both factors are this large,
         * whose product overflows anyway) */
        *hi = double_of(bits_of(a) & ~((1ull << 27) - 1));
        *lo = a - *hi;
        return;
    }
    double t = 134217729.0 * a;           /* 2^27 + 1 */
    *hi = t - (t - a);
    *lo = a - *hi;
}

static inline dd two_prod(double a, double b) {
    double p = a * b;
    double ah, al, bh, bl;
    split(a, &ah, &al);
    split(b, &bh, &bl);
    return (dd){ p, ((ah * bh - p) + ah * bl + al * bh) + al * bl };
}

static inline dd dd_neg(dd a) { return (dd){ -a.hi, -a.lo }; }

static dd dd_add(dd a, dd b) {
    dd s = two_sum(a.hi, b.hi);
    dd t = two_sum(a.lo, b.lo);
    s.lo += t.hi;
    s = quick_two_sum(s.hi, s.lo);
    s.lo += t.lo;
    return quick_two_sum(s.hi, s.lo);
}

static inline dd dd_sub(dd a, dd b) { return dd_add(a, dd_neg(b)); }

static dd dd_mul(dd a, dd b) {
    dd p = two_prod(a.hi, b.hi);
    p.lo += a.hi * b.lo + a.lo * b.hi;
    return quick_two_sum(p.hi, p.lo);
}

static dd dd_mul_d(dd a, double b) {
    dd p = two_prod(a.hi, b);
    p.lo += a.lo * b;
    return quick_two_sum(p.hi, p.lo);
}

static dd dd_div(dd a, dd b) {
    double q1 = a.hi / b.hi;
    dd r = dd_sub(a, dd_mul_d(b, q1));
    double q2 = r.hi / b.hi;
    r = dd_sub(r, dd_mul_d(b, q2));
    double q3 = r.hi / b.hi;
    dd q = quick_two_sum(q1, q2);
    return dd_add(q, dd_of(q3));
}

static inline dd dd_div_d(dd a, double b) { return dd_div(a, dd_of(b)); }

static dd dd_sqrt(dd a) {
    if (a.hi <= 0)
        return dd_of(0.0);
    double x = sqrt_(a.hi);
    dd r = dd_sub(a, two_prod(x, x));
    return quick_two_sum(x, r.hi / (2 * x));
}

static inline double dd_round(dd a) { return a.hi + a.lo; }

/* Constants, from the digits of each value (mpmath, 2000 bits). */
static const dd PI = { 0x1.921fb54442d18p+1, 0x1.1a62633145c07p-53 };
static const dd PIO2 = { 0x1.921fb54442d18p+0, 0x1.1a62633145c07p-54 };
static const dd LN2 = { 0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56 };
static const double LN2_3 = 0x1.7b57a079a1934p-111;   /* ln 2's third part */
static const dd LN10 = { 0x1.26bb1bbb55516p+1, -0x1.f48ad494ea3e9p-53 };
static const double INV_LN2 = 0x1.71547652b82fep+0;
static const double INV_PIO2 = 0x1.45f306dc9c883p-1;
/* pi/2 in four parts of 53 bits: k * part is exact for the k Cody-Waite uses. */
static const double PIO2_PARTS[4] = {
    0x1.921fb54442d18p+0, 0x1.1a62633145c07p-54, -0x1.f1976b7ed8fbcp-110, 0x1.4cf98e804177dp-164,
};
/* 2/pi's first 1536 bits after the binary point, most significant first. */
static const uint64_t TWO_OVER_PI[24] = {
    0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull, 0xfe5163abdebbc561ull,
    0xb7246e3a424dd2e0ull, 0x06492eea09d1921cull, 0xfe1deb1cb129a73eull, 0xe88235f52ebb4484ull,
    0xe99c7026b45f7e41ull, 0x3991d639835339f4ull, 0x9c845f8bbdf9283bull, 0x1ff897ffde05980full,
    0xef2f118b5a0a6d1full, 0x6d367ecf27cb09b7ull, 0x4f463f669e5fea2dull, 0x7527bac7ebe5f17bull,
    0x3d0739f78a5292eaull, 0x6bfb5fb11f8d5d08ull, 0x56033046fc7b6babull, 0xf0cfbc209af4361dull,
    0xa9e391615ee61b08ull, 0x6599855f14a06840ull, 0x8dffd8804d732731ull, 0x06061556ca73a8c9ull,
};

/* ---- exp and log in double-double ---- */

/* e^r - 1 for |r| <= 0.35: the Taylor series of r / 256, then 8 times
 * (1 + s)^2 - 1 = 2s + s^2, which keeps the small result's precision. */
static dd expm1_reduced(dd r) {
    dd x = dd_mul_d(r, 0x1p-8);
    dd s = dd_of(0.0);
    for (int n = 11; n >= 1; n--)         /* s = x/1! + x^2/2! + ... + x^11/11! */
        s = dd_mul(dd_div_d(x, n), dd_add(dd_of(1.0), s));
    for (int i = 0; i < 8; i++)
        s = dd_add(dd_mul_d(s, 2.0), dd_mul(s, s));
    return s;
}

/* e^x = 2^k (1 + s) with x = k ln 2 + r, |r| <= ln2/2; for |x.hi| < 746. */
static dd exp_parts(dd x, int *k) {
    double kd = round_even(x.hi * INV_LN2);
    *k = (int)kd;
    dd r = dd_sub(x, two_prod(kd, LN2.hi));
    r = dd_sub(r, two_prod(kd, LN2.lo));
    r = dd_sub(r, dd_of(kd * LN2_3));
    return expm1_reduced(r);
}

/* e^x for x.hi < 709.8 and > -745.2, as a double-double. */
static dd exp_dd(dd x) {
    int k;
    dd s = exp_parts(x, &k);
    dd e = dd_add(dd_of(1.0), s);
    if (k > 1000 || k < -1000) {
        int half = k / 2;
        double a = scale2(1.0, half), b = scale2(1.0, k - half);
        return (dd){ e.hi * a * b, e.lo * a * b };
    }
    double p = scale2(1.0, k);
    return (dd){ e.hi * p, e.lo * p };
}

/* The double nearest e^x for a double-double x. */
static double exp_round(dd x) {
    if (x.hi > 709.8)
        return 0x1p1023 * 2.0;            /* overflow: +inf */
    if (x.hi < -745.2)
        return 0x1p-1074 * 0.25;          /* underflow: +0 */
    int k;
    dd s = exp_parts(x, &k);
    dd e = dd_add(dd_of(1.0), s);
    if (k >= -1021)
        return scale2(dd_round(e), k);
    /* A subnormal result: scale in two steps, the second rounding once. */
    dd t = { e.hi * 0x1p600, e.lo * 0x1p600 };
    return scale2(dd_round(t), k - 600);
}

/* ln x for a positive finite double-double x: x = 2^e m, m in [sqrt(1/2),
 * sqrt(2)); ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.172. */
static dd log_dd(dd x) {
    int e;
    double m = frexp1(x.hi, &e);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    double lo = scale2(x.lo, -e);
    dd mm = dd_add(dd_of(m), dd_of(lo));
    dd num = dd_add(dd_of(m - 1.0), dd_of(lo));   /* m - 1 is exact */
    dd s = dd_div(num, dd_add(mm, dd_of(1.0)));
    dd s2 = dd_mul(s, s);
    dd sum = dd_of(0.0);
    for (int n = 24; n >= 1; n--)         /* 1 + s^2/3 + s^4/5 + ... + s^48/49 */
        sum = dd_mul(s2, dd_add(dd_div_d(dd_of(1.0), 2 * n + 1), sum));
    dd ln_m = dd_mul(dd_mul_d(s, 2.0), dd_add(dd_of(1.0), sum));
    dd ln_2e = dd_add(two_prod((double)e, LN2.hi), dd_of((double)e * LN2.lo));
    return dd_add(ln_2e, ln_m);
}

/* ---- exp, log, pow ---- */

double exp(double x) {
    if (is_nan(x))
        return x + x;
    if (is_inf(x))
        return x > 0 ? x : 0.0;
    if (fabs_(x) < 0x1p-60)
        return 1.0 + x;
    return exp_round(dd_of(x));
}

/* What every log gives outside (0, inf): NaN below 0, -inf at 0, x at NaN and +inf. */
static int log_special(double x, double *result) {
    if (is_nan(x)) { *result = x + x; return 1; }
    if (x == 0) { *result = -1.0 / 0.0; return 1; }
    if (x < 0) { *result = (x - x) / (x - x); return 1; }
    if (is_inf(x)) { *result = x; return 1; }
    return 0;
}

double log(double x) {
    double r;
    if (log_special(x, &r))
        return r;
    if (x == 1.0)
        return 0.0;
    return dd_round(log_dd(dd_of(x)));
}

double log2(double x) {
    double r;
    if (log_special(x, &r))
        return r;
    int e;
    double m = frexp1(x, &e);
    if (m == 1.0)
        return (double)e;                 /* a power of two: exact */
    return dd_round(dd_div(log_dd(dd_of(x)), LN2));
}

double log10(double x) {
    double r;
    if (log_special(x, &r))
        return r;
    return dd_round(dd_div(log_dd(dd_of(x)), LN10));
}

/* Whether y (finite) is an integer, and whether it is odd. */
static int integer_kind(double y) {
    double a = fabs_(y);
    if (a >= 0x1p53)
        return 2;                         /* even integer */
    double t = round_even(a);
    if (t != a)
        return 0;
    double half = t * 0.5;
    return round_even(half) == half ? 2 : 1;
}

double pow(double x, double y) {
    if (y == 0)
        return 1.0;                       /* even for x NaN */
    if (x == 1.0)
        return 1.0;                       /* even for y NaN */
    if (is_nan(x) || is_nan(y))
        return x + y;
    double ax = fabs_(x), ay = fabs_(y);
    int kind = is_finite(y) ? integer_kind(y) : 2;
    if (is_inf(y)) {
        if (ax == 1.0)
            return 1.0;
        return (ax > 1.0) == (y > 0) ? ay : 0.0;
    }
    int negate = (bits_of(x) & SIGN_BIT) && kind == 1;   /* odd integer y: the sign of x (-0 too) stays */
    if (x == 0 || is_inf(x)) {
        /* 0^y and inf^y: 0 or inf, signed for odd integer y. */
        int to_inf = (x == 0) == (y < 0);
        double r = to_inf ? 1.0 / 0.0 : 0.0;
        return negate ? -r : r;
    }
    if (x < 0 && kind == 0)
        return (x - x) / (x - x);         /* negative base, non-integer exponent: NaN */
    if (ax == 1.0)
        return negate ? -1.0 : 1.0;       /* -1 to an integer power, however large */
    dd l = log_dd(dd_of(ax));
    double estimate = l.hi * y;           /* far out of range: no double-double product (it would overflow) */
    double r;
    if (estimate > 710.0)
        r = 1.0 / 0.0;
    else if (estimate < -746.0)
        r = 0.0;
    else
        r = exp_round(dd_mul_d(l, y));
    return negate ? -r : r;
}

/* ---- sin, cos, tan ---- */

/* 64 bits of 2/pi from bit `pos` after the binary point (0: the 1/2 bit); the
 * bits before the point are 0. */
static uint64_t two_over_pi_bits(int pos) {
    if (pos <= -64)
        return 0;
    if (pos < 0)
        return two_over_pi_bits(0) >> -pos;
    int limb = pos >> 6, off = pos & 63;
    uint64_t hi = limb < 24 ? TWO_OVER_PI[limb] : 0;
    uint64_t lo = limb + 1 < 24 ? TWO_OVER_PI[limb + 1] : 0;
    return off ? (hi << off) | (lo >> (64 - off)) : hi;
}

/* x = q pi/2 + r, |r| <= pi/4 (about), r as a double-double; q mod 4. */
static int reduce_pio2(double x, dd *r) {
    double ax = fabs_(x);
    if (ax <= 0.78539816339744828) {
        *r = dd_of(x);
        return 0;
    }
    if (ax < 0x1p30) {
        /* Cody-Waite: k * part is exact (k < 2^30, parts of 53 bits). */
        double k = round_even(x * INV_PIO2);
        dd t = dd_of(x);
        for (int i = 0; i < 4; i++)
            t = dd_sub(t, two_prod(k, PIO2_PARTS[i]));
        *r = t;
        return (int)((int64_t)k & 3);
    }
    /* Payne-Hanek: x = m 2^e; x 2/pi mod 4 needs 2/pi's bits from e - 1 on:
     * a 256-bit window W, m W = P, P / 2^254 mod 4 = quadrant + fraction. */
    uint64_t b = bits_of(ax);
    uint64_t m = (b & MANT_MASK) | (1ull << 52);
    int e = (int)((b >> 52) & 0x7FF) - 1075;
    uint64_t w[4];                        /* w[0] most significant: bits e-1 .. e+62 */
    for (int i = 0; i < 4; i++)
        w[i] = two_over_pi_bits(e - 2 + 64 * i);
    uint64_t p[5];                        /* p[0] least significant */
    unsigned __int128 carry = 0;
    for (int i = 3; i >= 0; i--) {
        carry += (unsigned __int128)m * w[i];
        p[3 - i] = (uint64_t)carry;
        carry >>= 64;
    }
    p[4] = (uint64_t)carry;
    int q = (int)(p[3] >> 62);
    int negative = 0;
    p[3] &= (1ull << 62) - 1;             /* the fraction: p[3..0] / 2^254 */
    if (p[3] >> 61) {
        /* fraction >= 1/2: r = fraction - 1, from 2^254 - the fraction */
        q += 1;
        negative = 1;
        unsigned __int128 c = 1;
        for (int i = 0; i < 4; i++) {
            c += (uint64_t)~p[i];
            p[i] = (uint64_t)c;
            c >>= 64;
        }
        p[3] &= (1ull << 62) - 1;
    }
    dd f = dd_of(0.0);
    for (int i = 0; i < 4; i++) {
        int scale = 64 * i - 254;
        f = dd_add(f, dd_of(scale2((double)(p[i] & 0xFFFFFFFFull), scale)));
        f = dd_add(f, dd_of(scale2((double)(p[i] >> 32), scale + 32)));
    }
    dd rr = dd_mul(f, PIO2);
    if (negative)
        rr = dd_neg(rr);
    if (x < 0) {
        rr = dd_neg(rr);
        q = -q;
    }
    *r = rr;
    return q & 3;
}

/* sin r and cos r for |r| <= pi/4 (a little more after reduction). */
static dd sin_reduced(dd r) {
    dd r2 = dd_mul(r, r);
    dd s = dd_of(1.0);
    for (int n = 15; n >= 1; n--)         /* 1 - r^2/(2*3) (1 - r^2/(4*5) (...)) */
        s = dd_sub(dd_of(1.0), dd_mul(dd_div_d(r2, (2.0 * n) * (2.0 * n + 1)), s));
    return dd_mul(r, s);
}

static dd cos_reduced(dd r) {
    dd r2 = dd_mul(r, r);
    dd c = dd_of(1.0);
    for (int n = 15; n >= 1; n--)         /* 1 - r^2/(1*2) (1 - r^2/(3*4) (...)) */
        c = dd_sub(dd_of(1.0), dd_mul(dd_div_d(r2, (2.0 * n - 1) * (2.0 * n)), c));
    return c;
}

double sin(double x) {
    if (!is_finite(x))
        return x - x;                     /* NaN for inf and NaN */
    if (fabs_(x) < 0x1p-26)
        return x;                         /* sin x = x - x^3/6: rounds to x */
    dd r;
    int q = reduce_pio2(x, &r);
    dd v = (q & 1) ? cos_reduced(r) : sin_reduced(r);
    return dd_round(q & 2 ? dd_neg(v) : v);
}

double cos(double x) {
    if (!is_finite(x))
        return x - x;
    if (fabs_(x) < 0x1p-27)
        return 1.0;
    dd r;
    int q = reduce_pio2(x, &r);
    dd v = (q & 1) ? sin_reduced(r) : cos_reduced(r);
    return dd_round((q == 1 || q == 2) ? dd_neg(v) : v);
}

double tan(double x) {
    if (!is_finite(x))
        return x - x;
    if (fabs_(x) < 0x1p-27)
        return x;
    dd r;
    int q = reduce_pio2(x, &r);
    dd s = sin_reduced(r), c = cos_reduced(r);
    return dd_round((q & 1) ? dd_neg(dd_div(c, s)) : dd_div(s, c));
}

/* ---- inverse trigonometric functions ---- */

/* atan t for 0 <= t <= 1: three halvings atan t = 2 atan(t / (1 + sqrt(1 + t^2)))
 * bring t below tan(pi/32), then the Taylor series. */
static dd atan_unit(dd t) {
    for (int i = 0; i < 3; i++)
        t = dd_div(t, dd_add(dd_of(1.0), dd_sqrt(dd_add(dd_of(1.0), dd_mul(t, t)))));
    dd t2 = dd_mul(t, t);
    dd s = dd_of(0.0);
    for (int n = 18; n >= 1; n--)         /* t - t^3/3 + t^5/5 - ... */
        s = dd_mul(t2, dd_sub(dd_div_d(dd_of(1.0), 2 * n + 1), s));
    return dd_mul_d(dd_mul(t, dd_sub(dd_of(1.0), s)), 8.0);
}

/* atan(y / x) for y, x >= 0 finite, not both 0, in [0, pi/2]. */
static dd atan_ratio(dd y, dd x) {
    if (y.hi > x.hi)
        return dd_sub(PIO2, atan_unit(dd_div(x, y)));
    return atan_unit(dd_div(y, x));
}

double atan(double x) {
    if (is_nan(x))
        return x + x;
    double ax = fabs_(x);
    if (ax < 0x1p-27)
        return x;
    if (ax > 0x1p60)
        return copysign_(PIO2.hi, x);     /* pi/2 - 1/x: rounds to pi/2 */
    return copysign_(dd_round(atan_ratio(dd_of(ax), dd_of(1.0))), x);
}

double atan2(double y, double x) {
    if (is_nan(x) || is_nan(y))
        return x + y;
    double ay = fabs_(y), ax = fabs_(x);
    int x_negative = (bits_of(x) & SIGN_BIT) != 0;
    double r;
    if (y == 0)
        r = x_negative ? PI.hi : 0.0;     /* atan2(+-0, -0) = +-pi */
    else if (x == 0)
        r = PIO2.hi;
    else if (is_inf(ax) && is_inf(ay))
        r = x_negative ? dd_round(dd_mul_d(PI, 0.75)) : dd_round(dd_mul_d(PI, 0.25));
    else if (is_inf(ax))
        r = x_negative ? PI.hi : 0.0;
    else if (is_inf(ay))
        r = PIO2.hi;
    else {
        /* scale both into a range where the ratio's double-double is safe */
        int ey, ex;
        frexp1(ay, &ey);
        frexp1(ax, &ex);
        if (ey - ex > 60)
            r = PIO2.hi;                  /* pi/2 -+ tiny rounds to pi/2 */
        else if (ex - ey > 60)
            r = x_negative ? PI.hi : ay / ax;   /* pi - tiny; atan of a tiny ratio is the ratio */
        else {
            /* both scaled by the same power of two: exact, and the ratio's double-double stays normal */
            double sy = scale2(ay, -ex), sx = scale2(ax, -ex);
            dd a = atan_ratio(dd_of(sy), dd_of(sx));
            r = dd_round(x_negative ? dd_sub(PI, a) : a);
        }
    }
    return copysign_(r, y);
}

/* 1 - x^2 = (1 - x)(1 + x) as a double-double, for |x| <= 1. */
static dd one_minus_square(double x) {
    return dd_mul(two_sum(1.0, -x), two_sum(1.0, x));
}

double asin(double x) {
    if (is_nan(x))
        return x + x;
    double ax = fabs_(x);
    if (ax > 1.0)
        return (x - x) / (x - x);
    if (ax < 0x1p-26)
        return x;
    if (ax == 1.0)
        return copysign_(PIO2.hi, x);
    dd c = dd_sqrt(one_minus_square(ax));
    return copysign_(dd_round(atan_ratio(dd_of(ax), c)), x);
}

double acos(double x) {
    if (is_nan(x))
        return x + x;
    double ax = fabs_(x);
    if (ax > 1.0)
        return (x - x) / (x - x);
    if (x == 1.0)
        return 0.0;
    if (x == -1.0)
        return PI.hi;
    if (ax < 0x1p-57)
        return PIO2.hi;
    dd s = dd_sqrt(one_minus_square(ax));
    dd a = atan_ratio(s, dd_of(ax));
    return dd_round(x < 0 ? dd_sub(PI, a) : a);
}

/* ---- hyperbolic functions ---- */

/* e^x - 1 for |x| < 709 as a double-double, precise for small x too. */
static dd expm1_dd(double x) {
    if (fabs_(x) <= 0.34)
        return expm1_reduced(dd_of(x));
    return dd_sub(exp_dd(dd_of(x)), dd_of(1.0));
}

double sinh(double x) {
    if (!is_finite(x) || x == 0)
        return x + x;
    double ax = fabs_(x);
    if (ax < 0x1p-26)
        return x;
    double r;
    if (ax > 22.0) {
        /* e^-x is below 2^-63 of e^x: sinh = e^(x - ln 2) */
        r = exp_round(dd_sub(dd_of(ax), LN2));
    } else {
        dd e = expm1_dd(ax);              /* sinh = (E + E/(E + 1)) / 2 */
        r = dd_round(dd_mul_d(dd_add(e, dd_div(e, dd_add(e, dd_of(1.0)))), 0.5));
    }
    return copysign_(r, x);
}

double cosh(double x) {
    if (is_nan(x))
        return x + x;
    double ax = fabs_(x);
    if (is_inf(ax))
        return ax;
    if (ax < 0x1p-27)
        return 1.0;
    if (ax > 22.0)
        return exp_round(dd_sub(dd_of(ax), LN2));
    dd e = exp_dd(dd_of(ax));             /* e/2 + 1/(2e) */
    return dd_round(dd_add(dd_mul_d(e, 0.5), dd_div(dd_of(0.5), e)));
}

double tanh(double x) {
    if (is_nan(x))
        return x + x;
    double ax = fabs_(x);
    if (ax < 0x1p-27)
        return x;
    if (ax > 22.0)
        return copysign_(1.0, x);         /* 1 - 2e^-2x rounds to 1 */
    dd e = expm1_dd(2 * ax);              /* E / (E + 2) */
    return copysign_(dd_round(dd_div(e, dd_add(e, dd_of(2.0)))), x);
}

double asinh(double x) {
    if (!is_finite(x) || x == 0)
        return x + x;
    double ax = fabs_(x);
    if (ax < 0x1p-26)
        return x;
    dd r;
    if (ax > 0x1p28) {
        r = dd_add(log_dd(dd_of(ax)), LN2);   /* ln(2x): sqrt(x^2 + 1) = x */
    } else {
        /* ln(x + sqrt(x^2 + 1)); 1 + u with u = x + x^2/(1 + sqrt(x^2 + 1)) keeps small x precise */
        dd x2 = two_prod(ax, ax);
        dd root = dd_sqrt(dd_add(x2, dd_of(1.0)));
        dd u = dd_add(dd_of(ax), dd_div(x2, dd_add(dd_of(1.0), root)));
        r = log_dd(dd_add(dd_of(1.0), u));
    }
    return copysign_(dd_round(r), x);
}

double acosh(double x) {
    if (is_nan(x))
        return x + x;
    if (x < 1.0)
        return (x - x) / (x - x);
    if (is_inf(x))
        return x;
    if (x == 1.0)
        return 0.0;
    if (x > 0x1p28)
        return dd_round(dd_add(log_dd(dd_of(x)), LN2));
    /* ln(1 + u), u = (x - 1) + sqrt((x - 1)(x + 1)) */
    dd xm1 = two_sum(x, -1.0);
    dd root = dd_sqrt(dd_mul(xm1, two_sum(x, 1.0)));
    return dd_round(log_dd(dd_add(dd_of(1.0), dd_add(xm1, root))));
}

double atanh(double x) {
    if (is_nan(x))
        return x + x;
    double ax = fabs_(x);
    if (ax > 1.0)
        return (x - x) / (x - x);
    if (ax == 1.0)
        return x / 0.0;
    if (ax < 0x1p-27)
        return x;
    /* ln((1 + x)/(1 - x)) / 2 = ln(1 + 2x/(1 - x)) / 2 */
    dd u = dd_div(dd_of(2 * ax), two_sum(1.0, -ax));
    return copysign_(dd_round(dd_mul_d(log_dd(dd_add(dd_of(1.0), u)), 0.5)), x);
}

/* ---- cbrt ---- */

double cbrt(double x) {
    if (!is_finite(x) || x == 0)
        return x + x;
    double ax = fabs_(x);
    int e;
    double m = frexp1(ax, &e);
    /* ax = 2^(3k + j) m: the root is 2^k cbrt(2^j m), 2^j m in [1, 8) */
    int j = ((e % 3) + 3) % 3, k = (e - j) / 3;
    double a = m * (double)(1 << j);
    double y = dd_round(exp_dd(dd_div_d(log_dd(dd_of(a)), 3.0)));
    /* one Newton step in double-double: y - (y^3 - a) / (3 y^2) */
    dd yy = dd_of(y);
    dd y2 = dd_mul(yy, yy);
    dd y3 = dd_mul(y2, yy);
    dd r = dd_sub(yy, dd_div(dd_sub(y3, dd_of(a)), dd_mul_d(y2, 3.0)));
    return copysign_(scale2(dd_round(r), k), x);
}

/* ---- exact functions: floor, trunc, fmod, fma ---- */

double floor(double x) {
    uint64_t b = bits_of(x);
    int e = (int)((b >> 52) & 0x7FF) - 1023;
    if (e == 1024)
        return x + x;                     /* inf, or NaN (quieted) */
    if (e >= 52)
        return x;                         /* whole already */
    if (e < 0) {
        if ((b & ~SIGN_BIT) == 0)
            return x;                     /* +-0 */
        return (b & SIGN_BIT) ? -1.0 : 0.0;
    }
    uint64_t fraction = MANT_MASK >> e;
    if (!(b & fraction))
        return x;
    if (b & SIGN_BIT)
        b += fraction + 1;                /* toward -inf: up in magnitude */
    return double_of(b & ~fraction);
}

static double trunc_(double x) {
    uint64_t b = bits_of(x);
    int e = (int)((b >> 52) & 0x7FF) - 1023;
    if (e == 1024)
        return x + x;
    if (e >= 52)
        return x;
    if (e < 0)
        return double_of(b & SIGN_BIT);
    return double_of(b & ~(MANT_MASK >> e));
}

/* x - n y with n = trunc(x / y), exact: long division of the significands. */
double fmod(double x, double y) {
    if (is_nan(x) || is_nan(y) || is_inf(x) || y == 0)
        return (x * y) / (x * y);
    double ax = fabs_(x), ay = fabs_(y);
    if (is_inf(y) || ax < ay)
        return x;
    if (ax == ay)
        return copysign_(0.0, x);
    uint64_t bx = bits_of(ax), by = bits_of(ay);
    int ex = (int)(bx >> 52), ey = (int)(by >> 52);
    uint64_t mx = bx & MANT_MASK, my = by & MANT_MASK;
    /* significands with their top bit at 52 (subnormals normalised), so
     * that the remainder below stays under 2 my */
    if (ex) mx |= 1ull << 52; else for (ex = 1; !(mx >> 52); ex--) mx <<= 1;
    if (ey) my |= 1ull << 52; else for (ey = 1; !(my >> 52); ey--) my <<= 1;
    for (int d = ex - ey; d > 0; d--) {
        if (mx >= my)
            mx -= my;
        mx <<= 1;
    }
    if (mx >= my)
        mx -= my;
    /* mx 2^(ey - 1075) is the remainder, below ay */
    double r = mx == 0 ? 0.0 : scale2((double)mx, ey - 1075);
    return copysign_(r, x);
}

/* A nonzero finite double as m 2^e, m an integer below 2^53. */
static void decompose(double x, uint64_t *m, int *e) {
    uint64_t b = bits_of(x) & ~SIGN_BIT;
    int f = (int)(b >> 52);
    *m = b & MANT_MASK;
    if (f) { *m |= 1ull << 52; *e = f - 1075; } else { *e = -1074; }
}

static int msb128(unsigned __int128 v) {
    uint64_t hi = (uint64_t)(v >> 64);
    if (hi)
        return 127 - __builtin_clzll(hi);
    return 63 - __builtin_clzll((uint64_t)v);
}

/* The exact s (sign), S 2^e rounded once to `precision` bits with exponent
 * floor `min_e` (the subnormals' ulp), as the bits of an IEEE value with
 * that many bits and `exp_bits` of exponent; +-inf past the largest. */
static uint64_t round_to_format(int negative, unsigned __int128 S, int e, int precision, int min_e, int exp_bits) {
    int m = msb128(S);
    int shift = m - (precision - 1);
    if (e + shift < min_e)
        shift = min_e - e;
    uint64_t q;
    if (shift <= 0) {
        q = (uint64_t)(S << -shift);
    } else if (shift >= 128) {
        q = 0;                            /* far below the smallest subnormal: rounds to 0 */
    } else {
        q = (uint64_t)(S >> shift);
        unsigned __int128 rem = S & (((unsigned __int128)1 << shift) - 1);
        unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
    }
    int E = e + shift;                    /* value = q 2^E */
    if (q >> precision) {                 /* rounding carried into a new bit */
        q >>= 1;
        E++;
    }
    uint64_t biased = (uint64_t)(E - min_e);   /* q's top bit adds the 1 of a normal value */
    uint64_t max_field = (1ull << exp_bits) - 1;
    uint64_t sign = (uint64_t)negative << (precision - 1 + exp_bits);
    if (biased + (q >> (precision - 1)) >= max_field)
        return sign | (max_field << (precision - 1));
    return sign | ((biased << (precision - 1)) + q);
}

/* a b + c exactly, rounded once: the 106-bit product and c aligned in
 * 128-bit integers (their lowest bits kept as a sticky bit). */
static uint64_t fma_bits(double a, double b, double c, int precision, int min_e, int exp_bits) {
    uint64_t ma, mb, mc;
    int ea, eb, ec;
    decompose(a, &ma, &ea);
    decompose(b, &mb, &eb);
    int sp = ((bits_of(a) ^ bits_of(b)) >> 63) & 1;
    unsigned __int128 P = (unsigned __int128)ma * mb;
    int ep = ea + eb;
    int shift = 125 - msb128(P);
    P <<= shift;
    ep -= shift;
    if (c == 0)
        return round_to_format(sp, P, ep, precision, min_e, exp_bits);
    decompose(c, &mc, &ec);
    int sc = (int)(bits_of(c) >> 63);
    unsigned __int128 C = (unsigned __int128)mc << (125 - msb128(mc));
    ec -= 125 - msb128(mc);
    /* X has the larger exponent */
    unsigned __int128 X = P, Y = C;
    int eX = ep, eY = ec, sX = sp, sY = sc;
    if (ec > ep || (ec == ep && C > P)) {
        X = C; Y = P; eX = ec; eY = ep; sX = sc; sY = sp;
    }
    int d = eX - eY;
    if (d >= 128) {
        Y = Y ? 1 : 0;
    } else if (d > 0) {
        unsigned __int128 lost = Y & (((unsigned __int128)1 << d) - 1);
        Y = (Y >> d) | (lost ? 1 : 0);
    }
    unsigned __int128 S = sX == sY ? X + Y : X - Y;
    if (S == 0)
        return 0;                         /* an exact zero sum is +0 */
    return round_to_format(sX, S, eX, precision, min_e, exp_bits);
}

double fma(double a, double b, double c) {
    if (!is_finite(a) || !is_finite(b))
        return a * b + c;                 /* inf or NaN: the product is exact */
    if (!is_finite(c))
        return c + c;                     /* c inf or NaN; a b finite */
    if (a == 0 || b == 0)
        return a * b + c;                 /* an exact zero product */
    return double_of(fma_bits(a, b, c, 53, -1074, 11));
}

/* ---- float functions ---- */

float fmaf(float a, float b, float c) {
    double da = a, db = b, dc = c;
    if (!is_finite(da) || !is_finite(db) || !is_finite(dc) || a == 0 || b == 0)
        return (float)(da * db + dc);     /* the double product of floats is exact */
    return float_of((uint32_t)fma_bits(da, db, dc, 24, -149, 8));
}

float floorf(float x) { return (float)floor(x); }
float ceilf(float x) { return (float)-floor(-(double)x); }
float fmodf(float x, float y) { return (float)fmod(x, y); }

float modff(float x, float *integral) {
    double whole = trunc_(x);
    *integral = (float)whole;
    if (is_inf(x))
        return copysign_(0.0, x);
    return copysign_(x - whole, x);       /* exact; keeps the sign of -0 */
}

float acosf(float x) { return (float)acos(x); }
float acoshf(float x) { return (float)acosh(x); }
float asinf(float x) { return (float)asin(x); }
float asinhf(float x) { return (float)asinh(x); }
float atanf(float x) { return (float)atan(x); }
float atan2f(float y, float x) { return (float)atan2(y, x); }
float atanhf(float x) { return (float)atanh(x); }
float cbrtf(float x) { return (float)cbrt(x); }
float cosf(float x) { return (float)cos(x); }
float coshf(float x) { return (float)cosh(x); }
float expf(float x) { return (float)exp(x); }
float logf(float x) { return (float)log(x); }
float log2f(float x) { return (float)log2(x); }
float log10f(float x) { return (float)log10(x); }
float powf(float x, float y) { return (float)pow(x, y); }
float sinf(float x) { return (float)sin(x); }
float sinhf(float x) { return (float)sinh(x); }
float tanf(float x) { return (float)tan(x); }
float tanhf(float x) { return (float)tanh(x); }

#pragma clang attribute pop
