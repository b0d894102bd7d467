namespace IbmiMcp.Cli;

/// <summary>
/// One option of a verb, declared once: <see cref="CliArguments"/> parses it and <see cref="CliHelp"/> lists it.
/// <paramref name="Value"/> names the option's argument in the help (<c>N</c>, <c>PATH</c>); null makes it a flag.
/// </summary>
internal sealed record CliOption(string Name, string? Value, string Help, string? Short = null)
{
    public bool IsFlag => Value is null;

    /// <summary>"-u, --user NAME" as the help shows it.</summary>
    public string Label => (Short is null ? "" : Short + ", ") + "--" + Name + (Value is null ? "" : " " + Value);
}

/// <summary>What one verb accepts: its options and whether unknown options are its own (a YAML tool's parameters).</summary>
internal sealed class CliOptionSet
{
    private readonly Dictionary<string, CliOption> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byShort = new(StringComparer.Ordinal);

    public CliOptionSet(IEnumerable<CliOption> options, bool acceptAny = false)
    {
        Options = [.. options];
        AcceptAny = acceptAny;
        foreach (var option in Options)
        {
            _byName[option.Name] = option;
            if (option.Short is not null) _byShort[option.Short] = option.Name;
        }
    }

    public IReadOnlyList<CliOption> Options { get; }

    public bool AcceptAny { get; }

    public CliOption? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The long name of a short spelling (<c>-u</c> → <c>user</c>), or null.</summary>
    public string? LongName(string shortName) => _byShort.GetValueOrDefault(shortName);
}
