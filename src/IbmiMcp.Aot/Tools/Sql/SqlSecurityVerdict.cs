namespace IbmiMcp.Tools;

/// <summary>Outcome of the security checks on one statement; <see cref="Violations"/> is empty when allowed.</summary>
internal sealed class SqlSecurityVerdict
{
    public static readonly SqlSecurityVerdict Allowed = new([]);

    public SqlSecurityVerdict(IReadOnlyList<string> violations) => Violations = violations;

    public IReadOnlyList<string> Violations { get; }
    public bool IsAllowed => Violations.Count == 0;
    public string Message => string.Join("; ", Violations);
}
