using System;
using System.Globalization;
using Graft.Testing;

namespace Strings;

// Dates, times and GUIDs as text (they reach Math.Truncate: libc's modf in the runtime).
static class DateTextTests
{
    [Test]
    public static void DateAndGuidText()
    {
        var date = new DateTime(2024, 2, 29, 13, 5, 9, DateTimeKind.Utc);
        Assert.Equal("2024-02-29T13:05:09.0000000Z", date.ToString("O"));
        Assert.Equal("02/29/2024 13:05:09", date.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(date, DateTime.Parse("2024-02-29T13:05:09Z", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
        var guid = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Equal("0f8fad5bd9cb469fa16570867728950e", guid.ToString("N"));
        Assert.Equal("01:02:03", new TimeSpan(1, 2, 3).ToString());
    }
}
