namespace IbmiMcp.Tools;

/// <summary>
/// A YAML `sources.&lt;name&gt;` entry: the IBM i system and account a tool's statements run on when no
/// caller identity applies (auth mode none). <see cref="Password"/> never appears in <see cref="ToString"/>.
/// </summary>
internal sealed class ToolSource
{
    public required string Name { get; init; }
    public required string Host { get; init; }
    public required string User { get; init; }
    public required string Password { get; init; }
    /// <summary>Mapepire port; the reference ignored it, we honour it (default 8076).</summary>
    public int Port { get; init; } = 8076;
    public bool IgnoreUnauthorized { get; init; } = true;
    /// <summary>`jdbc-options` as key/value text (arrays such as `libraries` joined with commas).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> JdbcOptions { get; init; } = [];
    public SourceLocation Location { get; init; }

    public bool SameDefinitionAs(ToolSource other) =>
        Host == other.Host && User == other.User && Password == other.Password && Port == other.Port
        && IgnoreUnauthorized == other.IgnoreUnauthorized && JdbcOptions.SequenceEqual(other.JdbcOptions);

    public override string ToString() => $"{Name} ({User}@{Host}:{Port})";
}
