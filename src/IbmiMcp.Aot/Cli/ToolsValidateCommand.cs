using IbmiMcp.Tools;

namespace IbmiMcp.Cli;

/// <summary>
/// `ibmi-mcp tools validate PATH [--toolsets a,b] [--strict]`: loads files offline (no connection; ${VAR}
/// from the environment, unknown ones kept literally) with the same rules as the server and prints every
/// error and warning as `file:line:column: message [rule]`. Exit codes: 0 valid, 1 errors (or warnings with
/// --strict), 2 usage.
/// </summary>
internal static class ToolsValidateCommand
{
    private static readonly CliOptionSet Flags = new(
    [
        new("toolsets", "A,B", "check only the tools of these toolsets (as SELECTED_TOOLSETS)", "-ts"),
        new("strict", null, "warnings fail too"),
        new("help", null, "this text"),
    ]);

    public static readonly string Usage = new CliHelp
    {
        Usage = ["ibmi-mcp tools validate <file-or-directory> [--toolsets a,b] [--strict]"],
        Summary = "Loads YAML tool files offline with the server's rules and prints every error and warning as file:line:column.",
        Notes = $"Exit: {ExitCodes.Success} valid, {ExitCodes.General} errors (or warnings with --strict), {ExitCodes.Usage} usage.",
    }.WithOptions("options", Flags.Options).Render();

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CliArguments a;
        try
        {
            a = CliArguments.Parse(args, Flags);
        }
        catch (CliException ex)
        {
            stderr.Write($"{ex.Message}\n{Usage}");
            return ExitCodes.Usage;
        }
        if (a.Flag("help")) { stdout.Write(Usage); return ExitCodes.Success; }
        var positionals = a.Positionals is ["validate", .. var rest] ? rest : a.Positionals;
        if (positionals.Count > 1) { stderr.Write($"only one path may be given\n{Usage}"); return ExitCodes.Usage; }
        if (positionals.Count == 0) { stderr.Write(Usage); return ExitCodes.Usage; }
        var path = positionals[0];
        var strict = a.Flag("strict");
        var toolsets = (a.Value("toolsets") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        var env = Environment.GetEnvironmentVariables();
        var result = ToolCatalogLoader.Load(new ToolLoadSettings
        {
            Path = path,
            SelectedToolsets = toolsets,
            MergeArrays = Flag(env, "YAML_MERGE_ARRAYS", true),
            AllowDuplicateTools = Flag(env, "YAML_ALLOW_DUPLICATE_TOOLS", false),
            AllowDuplicateSources = Flag(env, "YAML_ALLOW_DUPLICATE_SOURCES", false),
            ValidateMerged = Flag(env, "YAML_VALIDATE_MERGED", true),
        });

        foreach (var e in result.Errors) stderr.WriteLine($"{e} (error)");
        foreach (var w in result.Warnings) stderr.WriteLine($"{w} (warning)");
        if (result.Catalog is { } catalog)
        {
            stdout.WriteLine($"OK: {result.Files.Count} file(s), {catalog.Tools.Count} tool(s), {catalog.ToolsetList.Count} toolset(s), "
                + $"{catalog.PromptList.Count} prompt(s), {catalog.Sources.Count} source(s)"
                + (result.Warnings.Count > 0 ? $", {result.Warnings.Count} warning(s)" : ""));
            WriteAuthorization(catalog, stdout);
            WritePrompts(catalog, stdout);
            return strict && result.Warnings.Count > 0 ? ExitCodes.General : ExitCodes.Success;
        }
        stdout.WriteLine($"FAILED: {result.Errors.Count} error(s), {result.Warnings.Count} warning(s) in {result.Files.Count} file(s)");
        return ExitCodes.General;
    }

    /// <summary>Who may use what: one line per restricted tool, so a reviewer sees the effect of every rule at once.</summary>
    private static void WriteAuthorization(ToolCatalog catalog, TextWriter stdout)
    {
        var restricted = catalog.ToolList.Select(t => t.Name).Concat(Tools.BuiltIn.BuiltInTools.Names)
            .Where(name => catalog.Access.RulesFor(name).Count > 0).Distinct().ToList();
        if (restricted.Count == 0)
        {
            stdout.WriteLine("authorization: no rules (every authenticated caller may use every tool)");
            return;
        }
        stdout.WriteLine($"authorization: {restricted.Count} restricted tool(s)");
        foreach (var name in restricted)
            stdout.WriteLine($"  {name}: " + string.Join(" and ", catalog.Access.RulesFor(name).Select(r => $"[{r.Describe()}] ({r.Origin})")));
    }

    /// <summary>One line per prompt: its arguments (required ones marked *, completions named) and its rule, if any.</summary>
    private static void WritePrompts(ToolCatalog catalog, TextWriter stdout)
    {
        if (catalog.PromptList.Count == 0)
            return;
        stdout.WriteLine($"prompts: {catalog.PromptList.Count}");
        foreach (var prompt in catalog.PromptList)
        {
            var arguments = string.Join(", ", prompt.Arguments.Select(a => a.Name + (a.Required ? "*" : "") + a.Completion switch
            {
                Prompts.ArgumentCompletionKind.Enum => " (enum)",
                Prompts.ArgumentCompletionKind.Schema => " (completes schemas)",
                Prompts.ArgumentCompletionKind.Table => $" (completes tables of {prompt.Arguments[a.SchemaArgument].Name})",
                _ => "",
            }));
            stdout.WriteLine($"  {prompt.Name}({arguments})" + (prompt.Authorization is { } rule ? $" [{rule.Describe()}]" : ""));
        }
    }

    /// <summary>The reference reads these switches as true only for the exact text "true".</summary>
    private static bool Flag(System.Collections.IDictionary env, string name, bool fallback) =>
        env[name] is string v ? v == "true" : fallback;
}
