using System.Globalization;

namespace IbmiMcp.Cli;

/// <summary>
/// The words of one command line, for every verb of the binary: positionals in order, and options as a verb's
/// <see cref="CliOptionSet"/> declares them — <c>--name value</c>, <c>--name=value</c>, <c>--flag</c>,
/// <c>--flag=true|false</c>, and short spellings (<c>-u</c>, <c>-ts</c>). <c>-h</c> is <c>--help</c> unless the verb gives
/// it another meaning (token's host). An option nobody declared is a usage error, except for verbs that accept any
/// option (a YAML tool's parameters become flags).
/// </summary>
internal sealed class CliArguments
{
    public List<string> Positionals { get; } = [];
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    /// <summary>Flags given, with their value (<c>--flag</c> is true; <c>--flag=false</c> is false).</summary>
    public Dictionary<string, bool> FlagValues { get; } = new(StringComparer.Ordinal);
    /// <summary>Options nobody declared, in order (the tool verb's parameters).</summary>
    public List<KeyValuePair<string, string?>> Extra { get; } = [];

    public string? Value(string name) => Values.GetValueOrDefault(name);

    /// <summary>True when the flag was given (and not as <c>=false</c>).</summary>
    public bool Flag(string name) => FlagValues.GetValueOrDefault(name);

    /// <summary>Parses <paramref name="args"/>; throws <see cref="CliException"/> (usage) naming the first problem.</summary>
    public static CliArguments Parse(IReadOnlyList<string> args, CliOptionSet options)
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
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                var longName = options.LongName(arg) ?? (arg == "-h" ? "help" : null)
                    ?? throw CliException.Usage($"unknown option '{arg}' (options are spelled --name)");
                arg = "--" + longName;
            }
            var name = arg[2..];
            string? inline = null;
            if (name.IndexOf('=') is > 0 and var eq)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            var option = options.Find(name);
            if (option is { IsFlag: false })
            {
                // The next word is the value, unless it is another option: `--tools --port 3010` lacks the path.
                parsed.Values[name] = inline ?? (i + 1 < args.Count && !IsOption(args[i + 1])
                    ? args[++i]
                    : throw CliException.Usage($"option '--{name}' needs a value"));
            }
            else if (option is not null)
            {
                parsed.FlagValues[name] = inline switch
                {
                    null or "true" => true,
                    "false" => false,
                    _ => throw CliException.Usage($"option '--{name}' takes no value"),
                };
            }
            else if (options.AcceptAny)
            {
                // A value follows unless the next word is another option: `--flag --other` is a boolean flag.
                var value = inline ?? (i + 1 < args.Count && !IsOption(args[i + 1]) ? args[++i] : null);
                parsed.Extra.Add(new(name, value));
            }
            else
            {
                throw CliException.Usage($"unknown option '--{name}'");
            }
        }
        return parsed;
    }

    private static bool IsOption(string word) => word.Length > 2 && word.StartsWith("--", StringComparison.Ordinal);

    /// <summary>A whole number option within bounds, or the default.</summary>
    public int Number(string name, int fallback, int min = 1, int max = int.MaxValue)
    {
        if (Value(name) is not { } text)
            return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw CliException.Usage($"--{name} must be a whole number from {min} to {max} (got '{text}')");
        return n;
    }

    /// <summary>No positional arguments beyond <paramref name="allowed"/> (serve, token, keygen take none).</summary>
    public CliArguments NoMorePositionals(int allowed = 0)
    {
        if (Positionals.Count > allowed)
            throw CliException.Usage($"unexpected argument '{Positionals[allowed]}'");
        return this;
    }
}
