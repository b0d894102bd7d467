namespace IbmiMcp.Cli;

/// <summary>The verb and the flags of one invocation, before configuration is resolved.</summary>
internal sealed class CommandLine
{
    public Verb Verb { get; init; } = Verb.Serve;
    /// <summary>Settings given as flags, by environment-variable name (they win over env and .env).</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);
    /// <summary>Arguments after the verb, for verbs that parse their own (token, keygen, tools).</summary>
    public string[] VerbArgs { get; init; } = [];
    public List<string> Errors { get; } = [];

    public static CommandLine Parse(string[] args)
    {
        var start = 0;
        var verb = Verb.Serve;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            switch (args[0])
            {
                case "serve": verb = Verb.Serve; break;
                case "token": return new CommandLine { Verb = Verb.Token, VerbArgs = args[1..] };
                case "keygen": return new CommandLine { Verb = Verb.Keygen, VerbArgs = args[1..] };
                case "sql" or "describe" or "schemas" or "tables" or "columns" or "related" or "validate" or "tool" or "tools" or "toolsets" or "system" or "render":
                    return new CommandLine { Verb = Verb.Ibmi, VerbArgs = args };
                case "healthcheck": return new CommandLine { Verb = Verb.Healthcheck, VerbArgs = args[1..] };
                case "help": return new CommandLine { Verb = Verb.Help };
                case "version": return new CommandLine { Verb = Verb.Version };
                default:
                    var unknown = new CommandLine { Verb = Verb.Help };
                    unknown.Errors.Add($"unknown command '{args[0]}' (expected serve, token, keygen, healthcheck, or a command-line verb: sql, describe, schemas, tables, columns, related, validate, tool, tools, toolsets, system)");
                    return unknown;
            }
            start = 1;
        }

        var cl = new CommandLine { Verb = verb };
        for (var i = start; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 2 and var eq)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            switch (arg)
            {
                case "-h" or "--help": return new CommandLine { Verb = Verb.Help };
                case "--version": return new CommandLine { Verb = Verb.Version };
                case "-t" or "--transport": cl.Take(args, ref i, inline, arg, "MCP_TRANSPORT_TYPE"); break;
                case "--tools": cl.Take(args, ref i, inline, arg, "TOOLS_YAML_PATH"); break;
                case "-ts" or "--toolsets": cl.Take(args, ref i, inline, arg, "SELECTED_TOOLSETS"); break;
                case "--host": cl.Take(args, ref i, inline, arg, "MCP_HTTP_HOST"); break;
                case "--port": cl.Take(args, ref i, inline, arg, "MCP_HTTP_PORT"); break;
                case "--list-toolsets": cl.Flag(inline, arg, "--list-toolsets"); break;
                case "--builtin-tools": cl.Flag(inline, arg, "IBMI_ENABLE_DEFAULT_TOOLS"); break;
                case "--execute-sql": cl.Flag(inline, arg, "IBMI_ENABLE_EXECUTE_SQL"); break;
                default:
                    // Unlike the reference (which warns and swallows the next argument), an unknown flag stops.
                    cl.Errors.Add(arg.StartsWith('-') ? $"unknown option '{arg}'" : $"unexpected argument '{arg}'");
                    break;
            }
        }
        return cl;
    }

    private void Take(string[] args, ref int i, string? inline, string flag, string setting)
    {
        if (inline is not null) { Settings[setting] = inline; return; }
        if (i + 1 >= args.Length || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
        {
            Errors.Add($"option '{flag}' needs a value");
            return;
        }
        Settings[setting] = args[++i];
    }

    private void Flag(string? inline, string flag, string setting)
    {
        if (inline is not null && inline is not ("true" or "false"))
        {
            Errors.Add($"option '{flag}' takes no value");
            return;
        }
        Settings[setting] = inline ?? "true";
    }
}

internal enum Verb { Serve, Token, Keygen, Ibmi, Healthcheck, Help, Version }
