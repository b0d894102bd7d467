namespace IbmiMcp.Emulator;

/// <summary>
/// One executed statement and the IBM i identity it ran under: the job, the signed-on profile and the client
/// special registers (CURRENT CLIENT_APPLNAME, CLIENT_USERID, CLIENT_PROGRAMID) at that moment.
/// </summary>
public sealed record ClientInfoRecord(
    string Job,
    string User,
    string ApplicationName,
    string ClientUserId,
    string ProgramId,
    string Sql,
    string? WorkstationName = null,
    string? Accounting = null,
    DateTimeOffset At = default);
