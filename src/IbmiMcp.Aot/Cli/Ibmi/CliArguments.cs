namespace IbmiMcp.Cli.Ibmi;

/// <summary>
/// The words of one command line: positionals in order, and options (<c>--name value</c>, <c>--name=value</c>,
/// <c>--flag</c>, <c>--no-flag</c>). Which options take a value is declared; an undeclared one is a usage error, except
/// for verbs that accept any option (a YAML tool's parameters become flags).
/// </summary>
internal sealed class CliArguments
{
    /// <summary>Options every verb understands.</summary>
    public static readonly string[] GlobalValues = ["system", "format", "output", "watch", "tools"];
    public static readonly string[] GlobalFlags = ["raw", "stream", "no-color", "timing", "help"];

    public List<string> Positionals { get; } = [];
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);
    /// <summary>Options nobody declared, in order (the tool verb's parameters).</summary>
    public List<KeyValuePair<string, string?>> Extra { get; } = [];

    public string? Value(string name) => Values.GetValueOrDefault(name);

    public bool Flag(string name) => Flags.Contains(name);

    /// <summary>Parses <paramref name="args"/>; throws <see cref="CliException"/> (usage) naming the first problem.</summary>
    public static CliArguments Parse(IReadOnlyList<string> args, string[] values, string[] flags, bool acceptAny = false)
    {
        var parsed = new CliArguments();
        var onlyPositionals = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositionals || arg.Length < 2 || arg[0] != '-' || arg == "-")
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                onlyPositionals = true;
                continue;
            }
            if (arg is "-h")
                arg = "--help";
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw CliException.Usage($"unknown option '{arg}' (options are spelled --name)");
            var name = arg[2..];
            string? inline = null;
            if (name.IndexOf('=') is > 0 and var eq)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            if (Array.IndexOf(values, name) >= 0 || Array.IndexOf(GlobalValues, name) >= 0)
            {
                parsed.Values[name] = inline ?? (i + 1 < args.Count ? args[++i] : throw CliException.Usage($"option '--{name}' needs a value"));
            }
            else if (Array.IndexOf(flags, name) >= 0 || Array.IndexOf(GlobalFlags, name) >= 0)
            {
                if (inline is not null)
                    throw CliException.Usage($"option '--{name}' takes no value");
                parsed.Flags.Add(name);
            }
            else if (acceptAny)
            {
                // A value follows unless the next word is another option: `--flag --other` is a boolean flag.
                var value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                parsed.Extra.Add(new(name, value));
            }
            else
            {
                throw CliException.Usage($"unknown option '--{name}'");
            }
        }
        return parsed;
    }

    /// <summary>A positive whole number option, or the default.</summary>
    public int Number(string name, int fallback, int min = 1, int max = int.MaxValue)
    {
        if (Value(name) is not { } text)
            return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw CliException.Usage($"--{name} must be a whole number from {min} to {max} (got '{text}')");
        return n;
    }
}
