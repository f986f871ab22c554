using System;

namespace Graft.Kernel.Plugs;

/// <summary>
/// The kernel's local time zone is UTC: CoreLib's Unix build would read
/// <c>TZ</c> and <c>/etc/localtime</c> (a file system) for it, which every
/// <c>DateTime.ToString</c> reaches. So <c>DateTime.Now</c> is
/// <c>DateTime.UtcNow</c> (the CMOS clock, which QEMU keeps in UTC) and
/// <c>TimeZoneInfo.Local</c> is <c>TimeZoneInfo.Utc</c>.
/// </summary>
[Plug(typeof(TimeZoneInfo))]
public static class TimeZoneInfoPlug
{
    /// <summary>TimeZoneInfo.Local's source.</summary>
    [PlugMember] public static TimeZoneInfo GetLocalTimeZoneCore() => TimeZoneInfo.Utc;
}
