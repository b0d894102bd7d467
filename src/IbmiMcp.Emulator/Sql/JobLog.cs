using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

internal sealed record JobLogMessage(string Id, string Type, int Severity, string Text, string? SecondLevel, DateTime At, long Key);

/// <summary>
/// Canned CL commands and the job log they leave behind (what the cl request returns: the rows of
/// QSYS2.JOBLOG_INFO written by the command).
/// </summary>
internal static class JobLog
{
    public static readonly (string Name, string Type)[] Columns =
    [
        ("SUMMARY", "VARCHAR(300)"), ("SEVERITY", "SMALLINT"), ("MESSAGE_SECOND_LEVEL_TEXT", "VARCHAR(4096)"), ("MESSAGE_ID", "VARCHAR(7)"),
        ("MESSAGE_TYPE", "VARCHAR(13)"), ("MESSAGE_SUBTYPE", "VARCHAR(22)"), ("SEVERITY", "SMALLINT"), ("MESSAGE_TIMESTAMP", "TIMESTAMP"),
        ("FROM_LIBRARY", "VARCHAR(10)"), ("FROM_PROGRAM", "VARCHAR(256)"), ("FROM_MODULE", "VARCHAR(10)"), ("FROM_PROCEDURE", "VARCHAR(4096)"),
        ("FROM_INSTRUCTION", "VARCHAR(10)"), ("TO_LIBRARY", "VARCHAR(10)"), ("TO_PROGRAM", "VARCHAR(10)"), ("TO_MODULE", "VARCHAR(10)"),
        ("TO_PROCEDURE", "VARCHAR(4096)"), ("TO_INSTRUCTION", "VARCHAR(10)"), ("FROM_USER", "VARCHAR(10)"), ("MESSAGE_LIBRARY", "VARCHAR(10)"),
        ("MESSAGE_FILE", "VARCHAR(10)"), ("MESSAGE_TOKEN_LENGTH", "SMALLINT"), ("MESSAGE_TOKENS", "VARCHAR(4096)"), ("MESSAGE_TEXT", "VARCHAR(1024)"),
        ("MESSAGE_SECOND_LEVEL_TEXT", "VARCHAR(4096)"), ("MESSAGE_KEY", "VARCHAR(8)"), ("QUALIFIED_JOB_NAME", "VARCHAR(28)"),
    ];

    public static IReadOnlyList<ColumnMeta> Meta { get; } = Columns.Select(c => new ColumnMeta(c.Name, Db2Type.Parse(c.Type), c.Name, true, true)).ToList();

    public static object?[] Row(Db2Job job, JobLogMessage m)
    {
        string type4 = m.Type.Length > 4 ? m.Type[..4] : m.Type;
        string ts = m.At.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        return
        [
            $"{m.Id} [{type4}]: {m.Text}", (long)m.Severity, m.SecondLevel, m.Id, m.Type, null, (long)m.Severity, ts,
            "QSYS", "QCMD", null, null, "01C8", "QSYS", "QSQCALLSP", null, null, "0000", job.User, "QSYS", "QCPFMSG", 0L, null, m.Text,
            m.SecondLevel, m.Key.ToString("X8", CultureInfo.InvariantCulture), job.JobName,
        ];
    }

    public static TableData AsTable(Db2Job job)
    {
        var cols = Columns.Select((c, i) => (i == 6 ? "SEVERITY2" : i == 24 ? "MESSAGE_SECOND_LEVEL_TEXT2" : c.Name, c.Type)).ToArray();
        return new TableData { Columns = cols, Rows = job.Log.Select(m => Row(job, m)).ToList() };
    }

    /// <summary>Runs a CL command. Returns the new job-log messages and the error QCMDEXC raised, if any.</summary>
    public static (List<JobLogMessage> Messages, Db2SqlException? Error) Run(Db2Job job, string command)
    {
        var msgs = new List<JobLogMessage>();
        void Add(string id, string type, int sev, string text, string? second = null)
        {
            var m = new JobLogMessage(id, type, sev, text, second, DateTime.Now, job.NextLogKey());
            msgs.Add(m);
            job.Log.Add(m);
        }
        string cmd = command.Trim();
        string verb = cmd.Split([' ', '('], 2)[0].ToUpperInvariant();
        if (verb.Contains('/')) verb = verb[(verb.IndexOf('/') + 1)..];
        string Param(string key)
        {
            int i = cmd.IndexOf(key + "(", StringComparison.OrdinalIgnoreCase);
            if (i < 0) return "";
            int j = cmd.IndexOf(')', i);
            return j < 0 ? "" : cmd[(i + key.Length + 1)..j].Trim().Trim('\'');
        }
        switch (verb)
        {
            case "WRKACTJOB":
                Add("CPI1E01", "INFORMATIONAL", 0, "Work with active jobs display prepared.", "Output written to QPDSPAJB.");
                return (msgs, null);
            case "DSPJOB" or "DSPJOBLOG" or "WRKSYSSTS" or "DSPSYSSTS" or "DSPLIBL" or "WRKSYSVAL":
                Add("CPF9898", "INFORMATIONAL", 0, $"{verb} output written to spooled file.", null);
                return (msgs, null);
            case "DLYJOB":
                {
                    int secs = int.TryParse(Param("DLY"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int d) ? d : 1;
                    Thread.Sleep(TimeSpan.FromSeconds(Math.Clamp(secs, 0, 300)));
                    return (msgs, null);
                }
            case "CHGUSRPRF":
                return ChangeUserProfile(job, Param("USRPRF").ToUpperInvariant(), Param("STATUS").ToUpperInvariant(), Param("PASSWORD"), Add, msgs);
            case "CHGJOB" or "SNDMSG" or "ADDLIBLE" or "RMVLIBLE" or "CHGLIBL" or "CHGCURLIB" or "STRCMTCTL" or "ENDCMTCTL" or "GRTOBJAUT" or "RVKOBJAUT":
                if (verb == "ADDLIBLE")
                {
                    string lib = Param("LIB").ToUpperInvariant();
                    if (lib.Length == 0) lib = cmd.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1)?.ToUpperInvariant() ?? "";
                    if (!job.Database.SchemaExists(lib))
                    {
                        Add("CPF2110", "DIAGNOSTIC", 40, $"Library {lib} not found.");
                        Add("CPF2106", "ESCAPE", 40, "Library list not changed.");
                        return (msgs, new Db2SqlException("[CPF2106] Library list not changed.", "38501", -443));
                    }
                    Add("CPC2196", "COMPLETION", 0, $"Library {lib} added to library list.");
                }
                else if (verb == "SNDMSG") Add("CPC8503", "COMPLETION", 0, "Message sent.");
                return (msgs, null);
            case "CRTLIB":
                {
                    string lib = Param("LIB").ToUpperInvariant();
                    if (lib.Length == 0 || job.Database.SchemaExists(lib))
                    {
                        Add("CPF2111", "DIAGNOSTIC", 40, $"Library {lib} already exists.");
                        Add("CPF0006", "DIAGNOSTIC", 30, "Errors occurred in command.");
                        return (msgs, new Db2SqlException("[CPF0006] Errors occurred in command.", "38501", -443));
                    }
                    job.Execute("CREATE SCHEMA " + lib, null, false);
                    Add("CPC2102", "COMPLETION", 0, $"Library {lib} created.");
                    return (msgs, null);
                }
            default:
                Add("CPD0030", "DIAGNOSTIC", 30, $"Command {verb} in library *LIBL not found.",
                    "&N Cause . . . . . :   The command was not found in the library list.");
                Add("CPF0006", "DIAGNOSTIC", 30, "Errors occurred in command.",
                    "&N Cause . . . . . :   See the previously listed messages in the job log.");
                return (msgs, new Db2SqlException("[CPF0006] Errors occurred in command.", "38501", -443));
        }
    }

    /// <summary>
    /// CHGUSRPRF USRPRF(name) [STATUS(*ENABLED|*DISABLED)] [PASSWORD(value)], as a security officer runs it: the job's
    /// user needs *SECADM. Enabling also resets the failed sign-on count, as IBM i does.
    /// </summary>
    private static (List<JobLogMessage>, Db2SqlException?) ChangeUserProfile(Db2Job job, string profile, string status, string password,
        Action<string, string, int, string, string?> add, List<JobLogMessage> msgs)
    {
        var users = job.Registry.Users;
        if (!users.AuthorityOf(job.User).SpecialAuthorities.Contains("*SECADM"))
        {
            add("CPF2217", "ESCAPE", 40, $"Not authorized to user profile {profile}.", null);
            return (msgs, new Db2SqlException($"[CPF2217] Not authorized to user profile {profile}.", "38501", -443));
        }
        if (profile.Length == 0 || !users.Exists(profile))
        {
            add("CPF2204", "ESCAPE", 40, $"User profile {profile} not found.", null);
            return (msgs, new Db2SqlException($"[CPF2204] User profile {profile} not found.", "38501", -443));
        }
        if (password.Length > 0) users.SetPassword(profile, password);
        if (status == "*DISABLED") users.Disable(profile);
        else if (status == "*ENABLED") users.Enable(profile);
        add("CPC2205", "COMPLETION", 0, $"User profile {profile} changed.", null);
        return (msgs, null);
    }
}
