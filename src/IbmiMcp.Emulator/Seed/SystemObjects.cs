namespace IbmiMcp.Emulator.Seed;

/// <summary>
/// System objects a shipped IBM i has, as the authority and audit services report them: the commands of QSYS with the
/// public authority and object auditing a typically secured system gives them, IBM-supplied and application user
/// profiles, the libraries of the system part of the library list, and an application library of programs. One list,
/// read by QSYS2.OBJECT_PRIVILEGES (EmulatorDatabase), OBJECT_STATISTICS and PROGRAM_INFO, so they agree.
/// </summary>
internal static class SystemObjects
{
    /// <summary>QSYS commands: name, *PUBLIC authority, OBJAUD value.</summary>
    public static readonly (string Name, string PublicAuthority, string Audit)[] Commands =
    [
        ("ADDPFTRG", "*EXCLUDE", "*NONE"), ("CHGSYSLIBL", "*EXCLUDE", "*ALL"), ("CHGUSRPRF", "*EXCLUDE", "*ALL"), ("CPYF", "*USE", "*NONE"),
        ("CRTDUPOBJ", "*USE", "*NONE"), ("CRTPGM", "*USE", "*NONE"), ("CRTSRVPGM", "*USE", "*NONE"), ("CRTUSRPRF", "*EXCLUDE", "*ALL"),
        ("DLTUSRPRF", "*EXCLUDE", "*ALL"), ("GRTOBJAUT", "*USE", "*CHANGE"), ("RSTLIB", "*EXCLUDE", "*ALL"), ("RSTOBJ", "*EXCLUDE", "*ALL"),
        ("SAVLIB", "*EXCLUDE", "*ALL"), ("SAVOBJ", "*EXCLUDE", "*ALL"), ("SNDMSG", "*USE", "*NONE"), ("WRKACTJOB", "*USE", "*NONE"),
    ];

    /// <summary>User profiles besides the emulator's sign-on users: name, *PUBLIC authority to the profile, owner.
    /// IBM ships QDBSHR, QDBSHRDO, QDOC and QTMPLPD with *PUBLIC *USE on purpose; APPSVC is an application's service
    /// profile left *CHANGE to the public, the impersonation exposure the security tools look for.</summary>
    public static readonly (string Name, string PublicAuthority, string Owner)[] Profiles =
    [
        ("QSECOFR", "*EXCLUDE", "QSYS"), ("QUSER", "*EXCLUDE", "QSYS"), ("QDBSHR", "*USE", "QSYS"), ("QDBSHRDO", "*USE", "QSYS"),
        ("QDOC", "*USE", "QSYS"), ("QTMPLPD", "*USE", "QSYS"), ("APPSVC", "*CHANGE", "QSECOFR"), ("KIOSK", "*EXCLUDE", "QSECOFR"),
    ];

    /// <summary>Libraries of the library list that are not SQL schemas of the emulator: name, *PUBLIC authority.</summary>
    public static readonly (string Name, string PublicAuthority)[] Libraries =
        [("QSYS", "*USE"), ("QHLPSYS", "*USE"), ("QUSRSYS", "*CHANGE"), ("QGPL", "*CHANGE"), (ApplicationLibrary, "*USE")];

    public const string ApplicationLibrary = "PAYROLL";

    /// <summary>Programs of the application library: name, type, USRPRF (*OWNER adopts the owner's authority), owner,
    /// *PUBLIC authority, text.</summary>
    public static readonly (string Name, string Type, string UserProfile, string Owner, string PublicAuthority, string Text)[] Programs =
    [
        ("PAYRPT", "*PGM", "*OWNER", "QSECOFR", "*USE", "Payroll report"),
        ("PAYUPD", "*PGM", "*OWNER", "PAYOWNER", "*EXCLUDE", "Payroll update"),
        ("PAYCALC", "*SRVPGM", "*OWNER", "PAYOWNER", "*USE", "Payroll calculations"),
        ("PAYMENU", "*PGM", "*USER", "PAYOWNER", "*USE", "Payroll menu"),
    ];
}
