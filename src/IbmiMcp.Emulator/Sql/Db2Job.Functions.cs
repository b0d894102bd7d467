using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

internal sealed partial class Db2Job
{
    private static string? S(object? v) => v switch
    {
        null or DBNull => null,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    private static double? D(object? v) => v switch
    {
        null or DBNull => null,
        long l => l,
        double d => d,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private Exception CastError()
    {
        PendingError = new Db2SqlException("[SQL0420] Character in CAST argument not valid.", "22018", -420);
        return new InvalidOperationException(PendingError.Message);
    }

    private object? ToInt(object? v)
    {
        if (v is null or DBNull) return null;
        if (v is long) return v;
        var d = D(v) ?? throw CastError();
        return (long)Math.Truncate(d);
    }

    private object? ToDec(object? v, long? scale)
    {
        if (v is null or DBNull) return null;
        var d = D(v) ?? throw CastError();
        return scale is long s ? Math.Round(d, (int)Math.Clamp(s, 0, 15), MidpointRounding.ToZero) : d;
    }

    private static DateTime? Dt(object? v)
    {
        string? s = S(v);
        if (s is null) return null;
        s = NormalizeTimestamp(s);
        string[] fmts = ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd", "HH:mm:ss"];
        return DateTime.TryParseExact(s, fmts, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt) ? dt : null;
    }

    /// <summary>Registers the Db2 special registers and scalar functions (EMU_*) on this job's connection.</summary>
    private void RegisterFunctions()
    {
        var c = _conn;
        c.CreateFunction("EMU_REG", (string name) => name switch
        {
            "USER" => User,
            "JOB_NAME" => JobName,
            "TIMESTAMP" => Now(),
            "DATE" => DateTime.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "TIME" => DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            "SERVER" => "IBMIEMU",
            "SCHEMA" => CurrentSchema,
            "PATH" => $"\"QSYS\",\"QSYS2\",\"SYSPROC\",\"SYSIBMADM\",\"{User}\"",
            "TIMEZONE" => (object)(long)(TimeZoneInfo.Local.GetUtcOffset(DateTime.Now).TotalHours * 10000),
            "CLIENT_APPLNAME" => Registers.ApplName,
            "CLIENT_USERID" => Registers.UserId,
            "CLIENT_WRKSTNNAME" => Registers.WrkstnName,
            "CLIENT_ACCTNG" => Registers.Acctng,
            "CLIENT_PROGRAMID" => Registers.ProgramId,
            _ => null,
        }, isDeterministic: false);
        c.CreateFunction("EMU_NOW", () => Now(), isDeterministic: false);
        c.CreateFunction("EMU_VARCHAR", (object? v) => S(v));
        c.CreateFunction("EMU_VARCHAR", (object? v, object? len) => S(v) is { } s && D(len) is double l && s.Length > l ? s[..(int)l] : S(v));
        c.CreateFunction("EMU_CLOB", (object? v) => S(v));
        c.CreateFunction("EMU_CLOB", (object? v, object? len) => S(v));
        foreach (var n in new[] { "EMU_CHAR", "EMU_CHARACTER" })
        {
            c.CreateFunction(n, (object? v) => v is double d ? d.ToString(CultureInfo.InvariantCulture) : S(v));
            c.CreateFunction(n, (object? v, object? len) => S(v) is { } s && D(len) is double l ? (s.Length > l ? s[..(int)l] : s) : S(v));
        }
        foreach (var n in new[] { "EMU_INTEGER", "EMU_INT", "EMU_SMALLINT", "EMU_BIGINT" })
            c.CreateFunction(n, (object? v) => ToInt(v));
        foreach (var n in new[] { "EMU_DECIMAL", "EMU_DEC", "EMU_NUMERIC", "EMU_ZONED" })
        {
            c.CreateFunction(n, (object? v) => ToDec(v, 0));
            c.CreateFunction(n, (object? v, object? p) => ToDec(v, 0));
            c.CreateFunction(n, (object? v, object? p, object? s) => ToDec(v, D(s) is double sd ? (long)sd : 0));
        }
        foreach (var n in new[] { "EMU_DOUBLE", "EMU_FLOAT", "EMU_REAL" })
            c.CreateFunction(n, (object? v) => ToDec(v, null));
        c.CreateFunction("EMU_DIGITS", (object? v) => D(v) is double d ? ((long)Math.Abs(Math.Truncate(d))).ToString("D10", CultureInfo.InvariantCulture) : null);
        c.CreateFunction("EMU_TIMESTAMP", (object? v) => Dt(v)?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        c.CreateFunction("EMU_TIMESTAMP", (object? d, object? t) => Dt(S(d) + " " + S(t))?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        c.CreateFunction("EMU_LOCATE", (string? find, string? src) => find is null || src is null ? null : (object)(long)(src.IndexOf(find, StringComparison.Ordinal) + 1));
        c.CreateFunction("EMU_LOCATE", (string? find, string? src, long start) => find is null || src is null ? null
            : (object)(long)(start - 1 >= src.Length ? 0 : src.IndexOf(find, (int)Math.Max(0, start - 1), StringComparison.Ordinal) + 1));
        c.CreateFunction("EMU_POSSTR", (string? src, string? find) => find is null || src is null ? null : (object)(long)(src.IndexOf(find, StringComparison.Ordinal) + 1));
        c.CreateFunction("EMU_INSTR", (string? src, string? find) => find is null || src is null ? null : (object)(long)(src.IndexOf(find, StringComparison.Ordinal) + 1));
        c.CreateFunction("EMU_LEFT", (object? s, long n) => S(s) is { } x ? x[..(int)Math.Clamp(n, 0, x.Length)] : null);
        c.CreateFunction("EMU_RIGHT", (object? s, long n) => S(s) is { } x ? x[(x.Length - (int)Math.Clamp(n, 0, x.Length))..] : null);
        c.CreateFunction("EMU_YEAR", (object? v) => Dt(v)?.Year);
        c.CreateFunction("EMU_MONTH", (object? v) => Dt(v)?.Month);
        c.CreateFunction("EMU_DAY", (object? v) => Dt(v)?.Day);
        c.CreateFunction("EMU_HOUR", (object? v) => Dt(v)?.Hour);
        c.CreateFunction("EMU_MINUTE", (object? v) => Dt(v)?.Minute);
        c.CreateFunction("EMU_SECOND", (object? v) => Dt(v)?.Second);
        c.CreateFunction("EMU_MICROSECOND", (object? v) => Dt(v) is DateTime d ? (int)(d.Ticks % TimeSpan.TicksPerSecond / 10) : (int?)null);
        c.CreateFunction("EMU_DAYS", (object? v) => Dt(v) is DateTime d ? (long)(d.Date - DateTime.MinValue).TotalDays + 1 : (long?)null);
        c.CreateFunction("EMU_DAYOFWEEK", (object? v) => Dt(v) is DateTime d ? (int)d.DayOfWeek + 1 : (int?)null);
        c.CreateFunction("EMU_DAYOFYEAR", (object? v) => Dt(v)?.DayOfYear);
        c.CreateFunction("EMU_WEEK", (object? v) => Dt(v) is DateTime d ? CultureInfo.InvariantCulture.Calendar.GetWeekOfYear(d, CalendarWeekRule.FirstDay, DayOfWeek.Sunday) : (int?)null);
        c.CreateFunction("EMU_QUARTER", (object? v) => Dt(v) is DateTime d ? (d.Month - 1) / 3 + 1 : (int?)null);
        c.CreateFunction("EMU_DAYNAME", (object? v) => Dt(v)?.DayOfWeek.ToString());
        c.CreateFunction("EMU_MONTHNAME", (object? v) => Dt(v)?.ToString("MMMM", CultureInfo.InvariantCulture));
        c.CreateFunction("EMU_LAST_DAY", (object? v) => Dt(v) is DateTime d ? new DateTime(d.Year, d.Month, DateTime.DaysInMonth(d.Year, d.Month)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null);
        c.CreateFunction("EMU_ADD_MONTHS", (object? v, long n) => Dt(v)?.AddMonths((int)n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        c.CreateFunction("EMU_ADDDUR", (object? v, object? amount, string unit) =>
        {
            if (Dt(v) is not DateTime d || D(amount) is not double n) return null;
            string? raw = S(v);
            bool dateOnly = raw is not null && raw.Length == 10;
            bool timeOnly = raw is not null && raw.Length == 8 && raw[2] == ':';
            DateTime r = unit switch
            {
                "YEAR" => d.AddYears((int)n),
                "MONTH" => d.AddMonths((int)n),
                "DAY" => d.AddDays(n),
                "HOUR" => d.AddHours(n),
                "MINUTE" => d.AddMinutes(n),
                "SECOND" => d.AddSeconds(n),
                _ => d.AddTicks((long)n * 10),
            };
            return dateOnly ? r.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : timeOnly ? r.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
                : r.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        }, isDeterministic: true);
        c.CreateFunction("EMU_LPAD", (object? s, long n) => S(s)?.PadLeft((int)n)[^(int)Math.Min(n, Math.Max(n, 0))..]);
        c.CreateFunction("EMU_LPAD", (object? s, long n, string p) => Pad(S(s), (int)n, p, left: true));
        c.CreateFunction("EMU_RPAD", (object? s, long n) => S(s)?.PadRight((int)n)[..(int)Math.Max(n, 0)]);
        c.CreateFunction("EMU_RPAD", (object? s, long n, string p) => Pad(S(s), (int)n, p, left: false));
        c.CreateFunction("EMU_REPEAT", (object? s, long n) => S(s) is { } x ? string.Concat(Enumerable.Repeat(x, (int)Math.Clamp(n, 0, 100000))) : null);
        c.CreateFunction("EMU_SPACE", (long n) => new string(' ', (int)Math.Clamp(n, 0, 100000)));
        c.CreateFunction("EMU_MOD", (object? a, object? b) => D(a) is double x && D(b) is double y && y != 0 ? (a is long && b is long ? (object)((long)x % (long)y) : x % y) : null);
        c.CreateFunction("EMU_POWER", (object? a, object? b) => D(a) is double x && D(b) is double y ? Math.Pow(x, y) : (double?)null);
        foreach (var n in new[] { "EMU_CEILING", "EMU_CEIL" }) c.CreateFunction(n, (object? a) => D(a) is double x ? (long)Math.Ceiling(x) : (long?)null);
        c.CreateFunction("EMU_FLOOR", (object? a) => D(a) is double x ? (long)Math.Floor(x) : (long?)null);
        c.CreateFunction("EMU_SIGN", (object? a) => D(a) is double x ? Math.Sign(x) : (int?)null);
        c.CreateFunction("EMU_SQRT", (object? a) => D(a) is double x ? Math.Sqrt(x) : (double?)null);
        c.CreateFunction("EMU_EXP", (object? a) => D(a) is double x ? Math.Exp(x) : (double?)null);
        c.CreateFunction("EMU_LN", (object? a) => D(a) is double x ? Math.Log(x) : (double?)null);
        c.CreateFunction("EMU_LOG10", (object? a) => D(a) is double x ? Math.Log10(x) : (double?)null);
        foreach (var n in new[] { "EMU_TRUNCATE", "EMU_TRUNC" })
        {
            c.CreateFunction(n, (object? a) => D(a) is double x ? Math.Truncate(x) : (double?)null);
            c.CreateFunction(n, (object? a, long d) => D(a) is double x ? Math.Truncate(x * Math.Pow(10, d)) / Math.Pow(10, d) : (double?)null);
        }
        c.CreateFunction("EMU_RAND", () => Random.Shared.NextDouble(), isDeterministic: false);
        c.CreateFunction("EMU_CONCAT", (object? a, object? b) => a is null or DBNull || b is null or DBNull ? null : S(a) + S(b));
        foreach (var n in new[] { "EMU_CHARACTER_LENGTH", "EMU_CHAR_LENGTH" }) c.CreateFunction(n, (object? a) => S(a)?.Length);
        c.CreateFunction("EMU_STRIP", (object? a) => S(a)?.Trim(' '));
        c.CreateFunction("EMU_STRIP", (object? a, string how) => how.ToUpperInvariant() switch { "L" or "LEADING" => S(a)?.TrimStart(' '), "T" or "TRAILING" => S(a)?.TrimEnd(' '), _ => S(a)?.Trim(' ') });
        c.CreateFunction("EMU_UCASE", (object? a) => S(a)?.ToUpperInvariant());
        c.CreateFunction("EMU_LCASE", (object? a) => S(a)?.ToLowerInvariant());
        c.CreateFunction("EMU_VALUE", (object? a, object? b) => a is null or DBNull ? b : a);
        c.CreateFunction("EMU_VALUE", (object? a, object? b, object? d) => a is not (null or DBNull) ? a : b is not (null or DBNull) ? b : d);
        c.CreateFunction("EMU_TRANSLATE", (object? a) => S(a)?.ToUpperInvariant());
        c.CreateFunction("EMU_TRANSLATE", (object? a, string to, string from) =>
        {
            if (S(a) is not { } s) return null;
            var chars = s.ToCharArray();
            for (int i = 0; i < chars.Length; i++) { int k = from.IndexOf(chars[i]); if (k >= 0) chars[i] = k < to.Length ? to[k] : ' '; }
            return new string(chars);
        });
        c.CreateFunction("EMU_INSERT", (object? a, long start, long len, object? ins) =>
            S(a) is { } s ? s[..(int)Math.Clamp(start - 1, 0, s.Length)] + S(ins) + s[(int)Math.Clamp(start - 1 + len, 0, s.Length)..] : null);
        foreach (var n in new[] { "EMU_VARCHAR_FORMAT", "EMU_TO_CHAR" })
        {
            c.CreateFunction(n, (object? a) => S(a));
            c.CreateFunction(n, (object? a, string fmt) => Dt(a) is DateTime d ? d.ToString(fmt.Replace("YYYY", "yyyy").Replace("DD", "dd").Replace("HH24", "HH").Replace("MI", "mm").Replace("SS", "ss").Replace("NNNNNN", "ffffff"), CultureInfo.InvariantCulture) : S(a));
        }
        foreach (var n in new[] { "EMU_TIMESTAMP_FORMAT", "EMU_TO_DATE" })
            c.CreateFunction(n, (object? a, string fmt) => Dt(a)?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        c.CreateFunction("EMU_JULIAN_DAY", (object? a) => Dt(a) is DateTime d ? (long)(d.Date.ToOADate() + 2415018.5 + 0.5) : (long?)null);
        c.CreateFunction("EMU_TIMESTAMPDIFF", (long unit, string diff) => (long?)null);
        c.CreateFunction("EMU_LISTAGG", (object? a) => S(a));
        c.CreateFunction("EMU_REGEXP_LIKE", (object? a, string pat) => S(a) is { } s ? System.Text.RegularExpressions.Regex.IsMatch(s, pat) : (bool?)null);
        c.CreateFunction("EMU_BITAND", (long a, long b) => a & b);
        c.CreateFunction("EMU_GENERATE_UNIQUE", () => Guid.NewGuid().ToByteArray()[..13], isDeterministic: false);
        c.CreateFunction("EMU_VERIFY_GROUP_FOR_USER", (object? u, object? g) => 0L);
        c.CreateFunction("EMU_VERIFY_GROUP_FOR_USER", (object? u, object? g1, object? g2) => 0L);
        c.CreateFunction("EMU_QCMDEXC", (string cmd) =>
        {
            var (_, error) = JobLog.Run(this, cmd);
            return error is null ? 1L : -1L;
        }, isDeterministic: false);
        c.CreateFunction("EMU_ENCRYPT_RC2", (object? a) => S(a));
    }

    private static string? Pad(string? s, int n, string p, bool left)
    {
        if (s is null || n < 0) return null;
        if (s.Length >= n) return s[..n];
        if (p.Length == 0) return s;
        var fill = string.Concat(Enumerable.Repeat(p, (n - s.Length) / p.Length + 1))[..(n - s.Length)];
        return left ? fill + s : s + fill;
    }
}
