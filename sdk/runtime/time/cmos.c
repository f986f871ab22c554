/* The wall clock: the CMOS real-time clock (MC146818, ports 0x70/0x71),
 * read once, then advanced by the TSC clock (tsc.c) so that DateTime.UtcNow
 * moves smoothly between the RTC's whole seconds.
 *
 * Exports:
 *   graft_rtc_unix_seconds()   the RTC's date and time as seconds since 1970 (UTC, as QEMU keeps it)
 *   graft_time_unix_ticks()    100 ns ticks since 1970: the RTC at its first read plus the TSC since
 *
 * The RTC holds the time in BCD or binary and 12 or 24 hours, as status
 * register B says; it is read twice until two reads agree, outside an
 * update (status A bit 7), as the chip's documentation asks. The first read's
 * second is taken as its start, so the clock may lag by up to a second. */
#include "graft_runtime.h"

enum { RTC_SECONDS = 0x00, RTC_MINUTES = 0x02, RTC_HOURS = 0x04, RTC_DAY = 0x07, RTC_MONTH = 0x08,
       RTC_YEAR = 0x09, RTC_STATUS_A = 0x0A, RTC_STATUS_B = 0x0B, RTC_CENTURY = 0x32 };

static uint8_t rtc_read(uint8_t reg) {
    graft_outb(0x70, (uint8_t)(0x80 | reg)); /* bit 7 keeps NMIs masked while we read */
    return graft_inb(0x71);
}

typedef struct { uint8_t second, minute, hour, day, month, year, century; } rtc_fields;

static void rtc_read_fields(rtc_fields *f) {
    for (uint32_t spins = 0; (rtc_read(RTC_STATUS_A) & 0x80) && spins < 1000000u; spins++)
        ; /* an update is in progress (at most 2 ms) */
    f->second = rtc_read(RTC_SECONDS);
    f->minute = rtc_read(RTC_MINUTES);
    f->hour = rtc_read(RTC_HOURS);
    f->day = rtc_read(RTC_DAY);
    f->month = rtc_read(RTC_MONTH);
    f->year = rtc_read(RTC_YEAR);
    f->century = rtc_read(RTC_CENTURY);
}

static uint32_t from_bcd(uint8_t value) { return (uint32_t)(value & 0x0F) + (uint32_t)(value >> 4) * 10; }

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static int64_t days_since_epoch(int64_t year, uint32_t month, uint32_t day) {
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    uint32_t year_of_era = (uint32_t)(year - era * 400);
    uint32_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    uint32_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

uint64_t graft_rtc_unix_seconds(void) {
    rtc_fields a, b;
    rtc_read_fields(&b);
    for (int tries = 0; tries < 5; tries++) {
        a = b;
        rtc_read_fields(&b);
        if (a.second == b.second && a.minute == b.minute && a.hour == b.hour && a.day == b.day &&
            a.month == b.month && a.year == b.year && a.century == b.century)
            break;
    }
    uint8_t status_b = rtc_read(RTC_STATUS_B);
    int binary = status_b & 0x04, hours24 = status_b & 0x02;
    uint8_t pm = b.hour & 0x80;
    uint8_t hour_raw = (uint8_t)(b.hour & 0x7F);
    uint32_t second = binary ? b.second : from_bcd(b.second);
    uint32_t minute = binary ? b.minute : from_bcd(b.minute);
    uint32_t hour = binary ? hour_raw : from_bcd(hour_raw);
    uint32_t day = binary ? b.day : from_bcd(b.day);
    uint32_t month = binary ? b.month : from_bcd(b.month);
    uint32_t year = binary ? b.year : from_bcd(b.year);
    uint32_t century = binary ? b.century : from_bcd(b.century);
    if (!hours24)
        hour = (hour % 12) + (pm ? 12 : 0);
    /* Register 0x32 is the century on PCs (ACPI's default); trust it only when it is sensible. */
    uint32_t full_year = (century >= 19 && century <= 99) ? century * 100 + year : 2000 + year;
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return 0;
    return (uint64_t)(days_since_epoch(full_year, month, day) * 86400 + hour * 3600 + minute * 60 + second);
}

static uint64_t epoch_ticks_at_read, ns_at_read;
static int wall_clock_read;

uint64_t graft_time_unix_ticks(void) {
    if (!wall_clock_read) {
        ns_at_read = graft_time_ns();
        epoch_ticks_at_read = graft_rtc_unix_seconds() * 10000000ull;
        wall_clock_read = 1;
    }
    return epoch_ticks_at_read + (graft_time_ns() - ns_at_read) / 100;
}
