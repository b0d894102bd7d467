using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>QSYS2.USER_INFO_BASIC from the emulator's user registry (status reflects QMAXSIGN lock-outs).</summary>
internal static class UserProfiles
{
    public static readonly (string Name, string Type)[] Columns =
    [
        ("AUTHORIZATION_NAME", "VARCHAR(10)"), ("PREVIOUS_SIGNON", "TIMESTAMP"), ("SIGN_ON_ATTEMPTS_NOT_VALID", "INTEGER"),
        ("STATUS", "VARCHAR(10)"), ("NETSERVER_DISABLED", "VARCHAR(4)"), ("PASSWORD_CHANGE_DATE", "TIMESTAMP"), ("NO_PASSWORD_INDICATOR", "VARCHAR(4)"),
        ("PASSWORD_EXPIRATION_INTERVAL", "SMALLINT"), ("DAYS_UNTIL_PASSWORD_EXPIRES", "INTEGER"), ("USER_CLASS_NAME", "VARCHAR(10)"),
        ("SPECIAL_AUTHORITIES", "VARCHAR(88)"), ("GROUP_PROFILE_NAME", "VARCHAR(10)"), ("OWNER", "VARCHAR(10)"), ("TEXT_DESCRIPTION", "VARCHAR(50)"),
        ("LIMIT_CAPABILITIES", "VARCHAR(10)"), ("INITIAL_PROGRAM_NAME", "VARCHAR(10)"), ("INITIAL_MENU_NAME", "VARCHAR(10)"),
        ("SUPPLEMENTAL_GROUP_COUNT", "SMALLINT"), ("SUPPLEMENTAL_GROUP_LIST", "VARCHAR(150)"),
    ];

    public static string Ddl => "CREATE TABLE TEMP.USER_INFO_BASIC (" + string.Join(", ", Columns.Select(c => c.Name + " " + c.Type)) + ")";

    public static TableData Build(Db2Job job)
    {
        var rows = new List<object?[]>();
        string changed = job.Database.Created.AddDays(-30).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var list = job.Registry.Users.Snapshot().ToList();
        list.Add(("QSECOFR", true, 0, null, "Security officer",
            new ProfileAuthority("*SECOFR", "*NONE", [], ["*ALLOBJ", "*AUDIT", "*IOSYSCFG", "*JOBCTL", "*SAVSYS", "*SECADM", "*SERVICE", "*SPLCTL"])));
        list.Add(("QUSER", true, 0, null, "Work station user", ProfileAuthority.User));
        // A shop-floor terminal profile with limited capabilities (LMTCPB(*YES)): it runs only its initial program.
        list.Add(("KIOSK", true, 0, null, "Shop floor kiosk", ProfileAuthority.User));
        foreach (var u in list.OrderBy(x => x.Name, StringComparer.Ordinal))
        {
            var a = u.Authority;
            rows.Add([
                u.Name, u.LastSignOn?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture), u.Failures, u.Enabled ? "*ENABLED" : "*DISABLED",
                "NO", changed, u.Name == "QUSER" ? "YES" : "NO", 0, null, a.UserClass,
                // IBM i lists each special authority in a 10-character slot, as it does supplemental groups.
                a.SpecialAuthorities.Count == 0 ? "*NONE" : Slots(a.SpecialAuthorities), a.Group, "*USRPRF", u.Text,
                u.Name == "KIOSK" ? "*YES" : "*NO", u.Name == "KIOSK" ? "KIOSKPGM" : "*NONE", "MAIN",
                a.SupplementalGroups.Count, a.SupplementalGroups.Count == 0 ? null : Slots(a.SupplementalGroups),
            ]);
        }
        return new TableData { Columns = Columns, Rows = rows };
    }

    private static string Slots(IReadOnlyList<string> names) => string.Concat(names.Select(n => n.PadRight(10))).TrimEnd();
}
