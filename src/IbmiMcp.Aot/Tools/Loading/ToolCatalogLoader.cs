using System.Text.Json;
using IbmiMcp.Configuration;

namespace IbmiMcp.Tools;

/// <summary>
/// Loads YAML tool files (a file, or a directory searched recursively for *.yaml / *.yml in path order) into a
/// <see cref="ToolCatalog"/>, following the reference (spec §5): ${VAR} interpolation on the raw text, merge
/// rules and their switches, cross-reference validation, toolset filtering, global tools appended to every
/// toolset, `enabled: false` honoured. Unlike the reference, a bad file is an error for the whole load (the
/// caller refuses to start, issue #89), every error is collected, each binds statements with the tokenizer and
/// checks them with the statement classifier, and identical source definitions repeated across files (every
/// shipped file declares the same source) are not duplicates.
/// </summary>
internal static class ToolCatalogLoader
{
    public static ToolLoadResult Load(ServerOptions options, Func<string, string?>? variables = null) =>
        Load(ToolLoadSettings.From(options, variables));

    public static ToolLoadResult Load(ToolLoadSettings settings)
    {
        var errors = new List<ToolLoadError>();
        var warnings = new List<ToolLoadError>();
        if (string.IsNullOrWhiteSpace(settings.Path))
            return new ToolLoadResult(ToolCatalog.Empty, errors, warnings, []);

        var files = ResolveFiles(settings.Path, errors);
        var contents = new List<ToolFileContent>(files.Count);
        foreach (var file in files)
        {
            string text;
            try { text = File.ReadAllText(file); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new ToolLoadError(file, 0, 0, "io", $"Cannot read file: {ex.Message}"));
                continue;
            }
            contents.Add(ToolFileParser.Parse(file, VariableInterpolator.Interpolate(text, settings.Variables), errors, warnings));
        }
        var catalog = Build(contents, settings, errors, warnings, files);
        return new ToolLoadResult(errors.Count == 0 ? catalog : null, errors, warnings, files);
    }

    /// <summary>Loads from in-memory text (tests, `tools validate` of stdin-like input).</summary>
    public static ToolLoadResult LoadText(string fileName, string text, ToolLoadSettings? settings = null)
    {
        settings ??= new ToolLoadSettings();
        var errors = new List<ToolLoadError>();
        var warnings = new List<ToolLoadError>();
        var content = ToolFileParser.Parse(fileName, VariableInterpolator.Interpolate(text, settings.Variables), errors, warnings);
        var catalog = Build([content], settings, errors, warnings, [fileName]);
        return new ToolLoadResult(errors.Count == 0 ? catalog : null, errors, warnings, [fileName]);
    }

    /// <summary>
    /// The YAML files of <paramref name="path"/>: a file, a directory searched recursively, or several of either
    /// separated by commas (as the reference CLI's --tools takes them), in that order without repeats.
    /// </summary>
    public static List<string> ResolveFiles(string path, List<ToolLoadError> errors)
    {
        if (path.Contains(',') && !File.Exists(path) && !Directory.Exists(path))
            return path.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .SelectMany(part => ResolveFiles(part, errors)).Distinct(StringComparer.Ordinal).ToList();
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            var found = Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                // Like the reference's glob: dot-directories (.git, .bob, editor state) are not searched.
                .Where(f => !Path.GetRelativePath(full, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (found.Count == 0) errors.Add(new ToolLoadError(full, 0, 0, "no-files", "Directory contains no .yaml or .yml files"));
            return found;
        }
        if (File.Exists(full)) return [full];
        errors.Add(new ToolLoadError(full, 0, 0, "not-found", $"Configuration file not found: {path}"));
        return [];
    }

    /// <summary>
    /// A tool or prompt by name across files: a second definition is an error naming the first, unless
    /// YAML_ALLOW_DUPLICATE_TOOLS lets the later file win (its position stays the first one's). False when refused.
    /// </summary>
    private static bool AddNamed<T>(Dictionary<string, T> byName, List<string> order, string name, T item, SourceLocation at,
        Func<T, SourceLocation> locationOf, string kind, bool allowDuplicates, List<ToolLoadError> errors)
    {
        if (byName.TryGetValue(name, out var existing))
        {
            if (!allowDuplicates)
            {
                errors.Add(new ToolLoadError(at, "duplicate-" + kind,
                    $"Duplicate {kind} name: {name}. To let a later file override it, set YAML_ALLOW_DUPLICATE_TOOLS=true (first defined at {locationOf(existing)})"));
                return false;
            }
        }
        else order.Add(name);
        byName[name] = item;
        return true;
    }

    private static bool IsPortableToolName(string name)
    {
        if (name.Length is 0 or > 128) return false;
        foreach (var c in name) if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) return false;
        return true;
    }

    private static ToolCatalog Build(List<ToolFileContent> contents, ToolLoadSettings settings, List<ToolLoadError> errors,
        List<ToolLoadError> warnings, IReadOnlyList<string> files)
    {
        // ── merge (spec §5.8) ──
        var sources = new Dictionary<string, ToolSource>(StringComparer.Ordinal);
        var sourceOrder = new List<string>();
        var tools = new Dictionary<string, ToolDraft>(StringComparer.Ordinal);
        var toolOrder = new List<string>();
        var toolsets = new Dictionary<string, ToolsetDraft>(StringComparer.Ordinal);
        var toolsetOrder = new List<string>();
        var metadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var prompts = new Dictionary<string, Prompts.PromptDefinition>(StringComparer.Ordinal);
        var promptOrder = new List<string>();
        var rules = new Dictionary<string, List<AccessRule>>(StringComparer.Ordinal);
        void AddRule(string tool, AccessRule rule)
        {
            if (!rules.TryGetValue(tool, out var list)) rules[tool] = list = [];
            if (!list.Contains(rule)) list.Add(rule);
        }

        foreach (var content in contents)
        {
            foreach (var source in content.Sources)
            {
                if (sources.TryGetValue(source.Name, out var existing))
                {
                    if (existing.SameDefinitionAs(source)) continue;
                    if (!settings.AllowDuplicateSources)
                    {
                        errors.Add(new ToolLoadError(source.Location, "duplicate-source",
                            $"Duplicate source name: {source.Name}. To allow duplicate source names, set YAML_ALLOW_DUPLICATE_SOURCES=true in server .env (first defined at {existing.Location})"));
                        continue;
                    }
                }
                else sourceOrder.Add(source.Name);
                sources[source.Name] = source;
            }
            foreach (var tool in content.Tools)
                AddNamed(tools, toolOrder, tool.Name, tool, tool.Location, t => t.Location, "tool", settings.AllowDuplicateTools, errors);
            foreach (var ts in content.Toolsets)
            {
                if (toolsets.TryGetValue(ts.Name, out var existing))
                {
                    if (settings.MergeArrays)
                    {
                        foreach (var t in ts.Tools)
                            if (!existing.Tools.Exists(e => e.Tool == t.Tool)) existing.Tools.Add(t);
                    }
                    else existing.Tools = ts.Tools;
                    // Each file's rule applies: a later file can narrow a toolset, never open it.
                    existing.Rules.AddRange(ts.Rules);
                    existing.Title = ts.Title ?? existing.Title;
                    existing.Description = ts.Description ?? existing.Description;
                    existing.Metadata = ts.Metadata ?? existing.Metadata;
                }
                else
                {
                    toolsetOrder.Add(ts.Name);
                    toolsets[ts.Name] = new ToolsetDraft { Name = ts.Name, Location = ts.Location, Title = ts.Title, Description = ts.Description, Tools = [.. ts.Tools], Metadata = ts.Metadata, Rules = [.. ts.Rules] };
                }
            }
            if (content.Metadata is { ValueKind: JsonValueKind.Object } md)
                foreach (var p in md.EnumerateObject()) metadata[p.Name] = p.Value;
            foreach (var (tool, rule) in content.BuiltInRules) AddRule(tool, rule);
            foreach (var prompt in content.Prompts)
            {
                if (!AddNamed(prompts, promptOrder, prompt.Name, prompt, prompt.Location, p => p.Location, "prompt", settings.AllowDuplicateTools, errors))
                    continue;
                if (!IsPortableToolName(prompt.Name))
                    warnings.Add(new ToolLoadError(prompt.Location, "prompt-name", $"Prompt name '{prompt.Name}' has characters outside A-Z a-z 0-9 _ - . or is longer than 128; some MCP clients refuse such names"));
            }
        }
        foreach (var name in toolOrder)
            if (tools[name].Authorization is { } own) AddRule(name, own);
        foreach (var name in toolsetOrder)
            foreach (var rule in toolsets[name].Rules)
                foreach (var (t, _) in toolsets[name].Tools) AddRule(t, rule);

        // ── cross references ──
        if (settings.ValidateMerged)
        {
            foreach (var name in toolOrder)
            {
                var tool = tools[name];
                if (tool.SourceName.Length > 0 && !sources.ContainsKey(tool.SourceName))
                    errors.Add(new ToolLoadError(tool.SourceNameLocation, "unknown-source", $"Tool '{name}' references non-existent source '{tool.SourceName}'"));
            }
        }
        foreach (var name in toolsetOrder)
            foreach (var (t, at) in toolsets[name].Tools)
                if (!tools.ContainsKey(t) && !ToolCatalog.GlobalTools.Contains(t))
                {
                    if (settings.ValidateMerged) errors.Add(new ToolLoadError(at, "unknown-tool", $"Toolset '{name}' references non-existent tool '{t}'"));
                    else warnings.Add(new ToolLoadError(at, "unknown-tool", $"Toolset '{name}' references non-existent tool '{t}' (ignored)"));
                }

        // ── selection ──
        var selected = settings.SelectedToolsets.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList();
        foreach (var s in selected)
            if (!toolsets.ContainsKey(s))
                errors.Add(new ToolLoadError("(toolset selection)", 0, 0, "unknown-toolset",
                    $"Selected toolset '{s}' does not exist (available: {(toolsetOrder.Count == 0 ? "none" : string.Join(", ", toolsetOrder))})"));
        var servedToolsets = selected.Count == 0 ? toolsetOrder : toolsetOrder.Where(selected.Contains).ToList();

        // ── build tools ──
        var membership = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var tsName in servedToolsets)
            foreach (var (t, _) in toolsets[tsName].Tools)
            {
                if (!membership.TryGetValue(t, out var list)) membership[t] = list = [];
                if (!list.Contains(tsName)) list.Add(tsName);
            }

        var built = new List<SqlTool>();
        foreach (var name in toolOrder)
        {
            var draft = tools[name];
            if (!draft.Enabled)
            {
                warnings.Add(new ToolLoadError(draft.Location, "disabled", $"Tool '{name}' has enabled: false and is not registered"));
                continue;
            }
            if (selected.Count > 0 && !membership.ContainsKey(name)) continue;
            if (!IsPortableToolName(name))
                warnings.Add(new ToolLoadError(draft.Location, "tool-name", $"Tool name '{name}' has characters outside A-Z a-z 0-9 _ - . or is longer than 128; some MCP clients refuse such names"));
            if (string.IsNullOrEmpty(draft.Statement)) continue;

            var problems = new List<string>();
            var plan = SqlBindPlan.Compile(draft.Statement, draft.Parameters, problems);
            foreach (var p in problems) errors.Add(new ToolLoadError(draft.StatementLocation, "binding", $"Tool '{name}': {p}"));
            if (plan is null) continue;

            // Direct substitution runs the argument as SQL: that text is checked at every call instead.
            if (plan.Mode != ParameterMode.DirectSubstitution)
            {
                var verdict = SqlSecurityValidator.Validate(plan.StaticSql, draft.Security);
                if (!verdict.IsAllowed)
                {
                    errors.Add(new ToolLoadError(draft.StatementLocation, "security", $"Tool '{name}' has security violation: {verdict.Message}"));
                    continue;
                }
            }

            IReadOnlyList<string> toolToolsets = membership.TryGetValue(name, out var m) ? m : [];
            built.Add(new SqlTool
            {
                Name = name, SourceName = draft.SourceName, Description = draft.Description, Statement = draft.Statement,
                Parameters = draft.Parameters, Enabled = true, Domain = draft.Domain, Category = draft.Category,
                CustomMetadata = draft.CustomMetadata, ResponseFormat = draft.ResponseFormat, TableFormat = draft.TableFormat,
                MaxDisplayRows = draft.MaxDisplayRows, RowsToFetch = draft.RowsToFetch, FetchAllRows = draft.FetchAllRows,
                MaxResultRows = draft.MaxResultRows, MaxResultBytes = draft.MaxResultBytes,
                Security = draft.Security, BindPlan = plan, Toolsets = toolToolsets,
                ProtocolTool = ToolDefinitionBuilder.Build(draft, toolToolsets), Location = draft.Location,
            });
        }

        var builtNames = built.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Toolset Finish(string tsName, bool onlyServed)
        {
            var d = toolsets[tsName];
            var names = new List<string>();
            foreach (var (t, _) in d.Tools)
                if ((onlyServed ? builtNames.Contains(t) : tools.ContainsKey(t)) && !names.Contains(t)) names.Add(t);
            foreach (var g in ToolCatalog.GlobalTools) if (!names.Contains(g)) names.Add(g);
            return new Toolset { Name = d.Name, Title = d.Title, Description = d.Description, Tools = names, Metadata = d.Metadata, Location = d.Location };
        }

        JsonElement? mergedMetadata = null;
        if (metadata.Count > 0)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                foreach (var (k, v) in metadata) { w.WritePropertyName(k); v.WriteTo(w); }
                w.WriteEndObject();
            }
            mergedMetadata = JsonElement.Parse(buffer.WrittenSpan);
        }

        return new ToolCatalog(
            built,
            servedToolsets.Select(n => Finish(n, onlyServed: true)).ToList(),
            toolsetOrder.Select(n => Finish(n, onlyServed: false)).ToList(),
            sourceOrder.Select(n => sources[n]).ToList(),
            mergedMetadata, files, selected, new ToolAccessPolicy(rules), promptOrder.Select(n => prompts[n]).ToList());
    }
}
