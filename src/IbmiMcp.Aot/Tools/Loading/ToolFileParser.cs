using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tools;

/// <summary>
/// Reads one YAML tool file through YamlDotNet's representation model (no reflection, AOT-safe) and checks
/// its structure against the reference format (spec §5.1–5.4). Every problem becomes a
/// <see cref="ToolLoadError"/> with file, line and column; parsing continues so one run reports them all.
/// Unknown keys are warnings: the reference silently ignored them, so files that work there keep working.
/// </summary>
internal sealed class ToolFileParser
{
    internal static readonly string[] RootKeys = ["sources", "tools", "toolsets", "prompts", "typescript_tools", "builtin_tools", "metadata"];
    internal static readonly string[] SourceKeys = ["host", "user", "password", "port", "ignore-unauthorized", "jdbc-options"];
    internal static readonly string[] ToolKeys =
    [
        "source", "description", "statement", "parameters", "enabled", "domain", "category", "metadata", "responseFormat",
        "tableFormat", "maxDisplayRows", "rowsToFetch", "fetchAllRows", "security", "annotations",
        "readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "authorization", "maxResultRows", "maxResultBytes",
    ];
    internal static readonly string[] ParameterKeys = ["name", "type", "description", "default", "required", "itemType", "min", "max", "minLength", "maxLength", "enum", "pattern"];
    internal static readonly string[] SecurityKeys = ["readOnly", "maxQueryLength", "forbiddenKeywords"];
    internal static readonly string[] ToolsetKeys = ["title", "description", "tools", "metadata", "authorization"];
    internal static readonly string[] AuthorizationKeys = ["users", "groups", "specialAuthorities", "scopes"];
    internal static readonly string[] BuiltInToolKeys = ["authorization"];
    internal static readonly string[] PromptKeys = ["title", "description", "arguments", "messages", "authorization"];
    internal static readonly string[] PromptArgumentKeys = ["name", "title", "description", "required", "enum", "complete", "schemaArgument"];
    internal static readonly string[] PromptMessageKeys = ["role", "content"];
    private static readonly string[] KnownAnnotationKeys = ["title", "readOnlyHint", "openWorldHint", "idempotentHint", "destructiveHint", "domain", "category", "toolsets", "customMetadata"];

    private readonly string _file;
    private readonly List<ToolLoadError> _errors;
    private readonly List<ToolLoadError> _warnings;

    private ToolFileParser(string file, List<ToolLoadError> errors, List<ToolLoadError> warnings)
    {
        _file = file; _errors = errors; _warnings = warnings;
    }

    public static ToolFileContent Parse(string file, string text, List<ToolLoadError> errors, List<ToolLoadError> warnings) =>
        new ToolFileParser(file, errors, warnings).ParseFile(text);

    private ToolFileContent ParseFile(string text)
    {
        var content = new ToolFileContent { File = _file };
        var stream = new YamlStream();
        try
        {
            stream.Load(new MergingParser(new Parser(new StringReader(text))));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
            bool duplicate = message.StartsWith("Duplicate key", StringComparison.Ordinal);
            _errors.Add(new ToolLoadError(_file, (int)ex.Start.Line, (int)ex.Start.Column, duplicate ? "duplicate-key" : "yaml-syntax",
                duplicate ? $"{message}: a name may appear only once in a mapping" : $"Invalid YAML: {message}"));
            return content;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner and node loader throw these instead of a YamlException on some malformed input (found by fuzzing).
            _errors.Add(new ToolLoadError(_file, 0, 0, "yaml-syntax", $"Invalid YAML: {ex.Message}"));
            return content;
        }
        if (stream.Documents.Count > 1)
            Error(stream.Documents[1].RootNode, "yaml-syntax", "A tool file must contain a single YAML document");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            _errors.Add(new ToolLoadError(_file, 1, 1, "empty-file", "YAML file must contain at least one section: sources, tools, toolsets, or typescript_tools"));
            return content;
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error(stream.Documents[0].RootNode, "type", "The top level of a tool file must be a mapping of sections (sources, tools, toolsets, metadata)");
            return content;
        }

        bool anySection = false;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = KeyOf(keyNode);
            switch (key)
            {
                case "sources": anySection = true; ForEachEntry(value, key, (n, k, v) => ParseSource(content, n, k, v)); break;
                case "tools": anySection = true; ForEachEntry(value, key, (n, k, v) => ParseTool(content, n, k, v)); break;
                case "toolsets": anySection = true; ForEachEntry(value, key, (n, k, v) => ParseToolset(content, n, k, v)); break;
                case "prompts": anySection = true; ForEachEntry(value, key, (n, k, v) => ParsePrompt(content, n, k, v)); break;
                case "typescript_tools":
                    anySection = true;
                    int count = value is YamlMappingNode ts ? ts.Children.Count : 0;
                    Warning(keyNode, "typescript-tools-ignored", $"typescript_tools ({count} entr{(count == 1 ? "y" : "ies")}) accepted for compatibility and ignored: this server has no TypeScript tools");
                    break;
                case "builtin_tools": ForEachEntry(value, key, (n, k, v) => ParseBuiltInTool(content, n, k, v)); break;
                case "metadata":
                    if (value is YamlMappingNode) content.Metadata = YamlValues.ToJson(value);
                    else if (!IsNull(value)) Error(value, "type", "'metadata' must be a mapping");
                    break;
                default:
                    Warning(keyNode, "unknown-key", $"Unknown top-level key '{key}' ignored (expected one of: {string.Join(", ", RootKeys)})");
                    break;
            }
        }
        if (!anySection)
            Error(root, "empty-file", "YAML file must contain at least one section: sources, tools, toolsets, or typescript_tools");
        return content;
    }

    private void ForEachEntry(YamlNode section, string sectionName, Action<string, YamlNode, YamlNode> parse)
    {
        if (IsNull(section)) return;
        if (section is not YamlMappingNode map)
        {
            Error(section, "type", $"'{sectionName}' must be a mapping of names to definitions");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var name = KeyOf(k);
            if (string.IsNullOrWhiteSpace(name)) { Error(k, "name", $"Empty name in '{sectionName}'"); continue; }
            if (!seen.Add(name)) { Error(k, "duplicate-key", $"'{name}' is defined twice in '{sectionName}' of this file"); continue; }
            parse(name, k, v);
        }
    }

    // ── sources ───────────────────────────────────────────────────────────────
    private void ParseSource(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"Source '{name}' must be a mapping"); return; }
        WarnUnknownKeys(map, SourceKeys, $"source '{name}'");
        var host = RequiredString(map, "host", $"Source '{name}'");
        var user = RequiredString(map, "user", $"Source '{name}'");
        var password = RequiredString(map, "password", $"Source '{name}'");
        if (password is { Length: 0 }) Error(Get(map, "password")!, "required", $"Source '{name}' has an empty password");
        int port = 8076;
        if (Get(map, "port") is { } portNode && Integer(portNode, $"Source '{name}' port", min: 1, max: 65535) is int p) port = p;
        bool ignore = Get(map, "ignore-unauthorized") is { } ig ? Bool(ig, $"Source '{name}' ignore-unauthorized") ?? true : true;
        var jdbc = new List<KeyValuePair<string, string>>();
        if (Get(map, "jdbc-options") is { } jdbcNode && !IsNull(jdbcNode))
        {
            if (jdbcNode is not YamlMappingNode jm) Error(jdbcNode, "type", $"Source '{name}' jdbc-options must be a mapping");
            else
                foreach (var (k, v) in jm.Children)
                {
                    string text = v switch
                    {
                        YamlSequenceNode seq => string.Join(",", seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? "")),
                        YamlScalarNode s => s.Value ?? "",
                        _ => "",
                    };
                    if (v is YamlMappingNode) Error(v, "type", $"Source '{name}' jdbc-options '{KeyOf(k)}' must be a value or a list");
                    jdbc.Add(new(KeyOf(k), text));
                }
        }
        if (host is null || user is null || password is null) return;
        content.Sources.Add(new ToolSource
        {
            Name = name, Host = host, User = user, Password = password, Port = port, IgnoreUnauthorized = ignore,
            JdbcOptions = jdbc, Location = At(keyNode),
        });
    }

    // ── tools ─────────────────────────────────────────────────────────────────
    private void ParseTool(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"Tool '{name}' must be a mapping"); return; }
        WarnUnknownKeys(map, ToolKeys, $"tool '{name}'");
        var tool = new ToolDraft { Name = name, File = _file, Location = At(keyNode) };
        string what = $"Tool '{name}'";

        tool.SourceName = RequiredString(map, "source", what) ?? "";
        if (Get(map, "source") is { } sourceNode) tool.SourceNameLocation = At(sourceNode);
        tool.Description = RequiredString(map, "description", what) ?? "";
        var statementNode = Get(map, "statement");
        tool.StatementLocation = statementNode is null ? At(keyNode) : At(statementNode);
        var statement = statementNode is null ? null : Text(statementNode, $"{what} statement");
        if (string.IsNullOrWhiteSpace(statement))
            Error(statementNode ?? keyNode, "required", $"Tool '{name}' must have a non-empty statement field");
        else tool.Statement = statement;

        if (Get(map, "enabled") is { } en) tool.Enabled = Bool(en, $"{what} enabled") ?? true;
        tool.Domain = OptionalString(map, "domain", what);
        tool.Category = OptionalString(map, "category", what);
        if (Get(map, "responseFormat") is { } rf)
            tool.ResponseFormat = OneOf(rf, $"{what} responseFormat", ["json", "markdown", "csv"]) switch
            {
                "markdown" => ResponseFormat.Markdown, "csv" => ResponseFormat.Csv, "json" => ResponseFormat.Json, _ => null,
            };
        if (Get(map, "tableFormat") is { } tf)
            tool.TableFormat = OneOf(tf, $"{what} tableFormat", ["markdown", "ascii", "grid", "compact"]) switch
            {
                "ascii" => TableFormat.Ascii, "grid" => TableFormat.Grid, "compact" => TableFormat.Compact, _ => TableFormat.Markdown,
            };
        if (Get(map, "maxDisplayRows") is { } mdr && Integer(mdr, $"{what} maxDisplayRows", 1, 1000) is int rows) tool.MaxDisplayRows = rows;
        if (Get(map, "rowsToFetch") is { } rtf && Integer(rtf, $"{what} rowsToFetch", 1, int.MaxValue) is int fetch) tool.RowsToFetch = fetch;
        if (Get(map, "fetchAllRows") is { } far) tool.FetchAllRows = Bool(far, $"{what} fetchAllRows") ?? false;
        if (Get(map, "maxResultRows") is { } mrr && Integer(mrr, $"{what} maxResultRows", 1, 10_000) is int maxRows) tool.MaxResultRows = maxRows;
        if (Get(map, "maxResultBytes") is { } mrb && Integer(mrb, $"{what} maxResultBytes", 1024, 16 * 1024 * 1024) is int maxBytes) tool.MaxResultBytes = maxBytes;
        if (Get(map, "security") is { } sec && !IsNull(sec)) tool.Security = ParseSecurity(sec, what);
        if (Get(map, "authorization") is { } auth) tool.Authorization = ParseAuthorization(auth, $"tool '{name}'");

        // Legacy top-level hints; annotations.* wins over them.
        if (Get(map, "readOnlyHint") is { } roh) tool.ReadOnlyHint = Bool(roh, $"{what} readOnlyHint");
        if (Get(map, "destructiveHint") is { } dh) tool.DestructiveHint = Bool(dh, $"{what} destructiveHint");
        if (Get(map, "idempotentHint") is { } ih) tool.IdempotentHint = Bool(ih, $"{what} idempotentHint");
        if (Get(map, "openWorldHint") is { } owh) tool.OpenWorldHint = Bool(owh, $"{what} openWorldHint");

        var custom = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (Get(map, "metadata") is { } md && !IsNull(md))
        {
            if (md is YamlMappingNode mm) foreach (var (k, v) in mm.Children) custom[KeyOf(k)] = v;
            else Error(md, "type", $"{what} metadata must be a mapping");
        }
        if (Get(map, "annotations") is { } an && !IsNull(an))
        {
            if (an is not YamlMappingNode am) Error(an, "type", $"{what} annotations must be a mapping");
            else ParseAnnotations(tool, am, custom, what);
        }
        if (custom.Count > 0)
        {
            var synthetic = new YamlMappingNode();
            foreach (var (k, v) in custom) synthetic.Add(k, v);
            tool.CustomMetadata = YamlValues.ToJson(synthetic);
        }

        if (Get(map, "parameters") is { } ps && !IsNull(ps))
        {
            if (ps is not YamlSequenceNode seq) Error(ps, "type", $"{what} parameters must be a list");
            else
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in seq.Children)
                    if (ParseParameter(item, what) is { } p)
                    {
                        if (p.Name == ResultBudget.OffsetArgument)
                            Error(item, "reserved-parameter", $"{what}: '{ResultBudget.OffsetArgument}' is reserved: every tool takes it to read the next page of a cut result");
                        else if (!names.Add(p.Name)) Error(item, "duplicate-parameter", $"{what} declares parameter '{p.Name}' twice");
                        else tool.Parameters.Add(p);
                    }
            }
        }
        content.Tools.Add(tool);
    }

    private void ParseAnnotations(ToolDraft tool, YamlMappingNode am, Dictionary<string, YamlNode> custom, string what)
    {
        foreach (var (k, v) in am.Children)
        {
            var key = KeyOf(k);
            switch (key)
            {
                case "title": tool.Title = Text(v, $"{what} annotations.title"); break;
                case "readOnlyHint": tool.ReadOnlyHint = Bool(v, $"{what} annotations.readOnlyHint") ?? tool.ReadOnlyHint; break;
                case "destructiveHint": tool.DestructiveHint = Bool(v, $"{what} annotations.destructiveHint") ?? tool.DestructiveHint; break;
                case "idempotentHint": tool.IdempotentHint = Bool(v, $"{what} annotations.idempotentHint") ?? tool.IdempotentHint; break;
                case "openWorldHint": tool.OpenWorldHint = Bool(v, $"{what} annotations.openWorldHint") ?? tool.OpenWorldHint; break;
                case "domain": tool.Domain ??= Text(v, $"{what} annotations.domain"); break;
                case "category": tool.Category ??= Text(v, $"{what} annotations.category"); break;
                case "toolsets":
                    Warning(k, "annotation-toolsets-ignored", $"{what} annotations.toolsets is ignored: membership comes from the toolsets section");
                    break;
                case "customMetadata":
                    if (v is YamlMappingNode cm) foreach (var (ck, cv) in cm.Children) custom[KeyOf(ck)] = cv;
                    else if (!IsNull(v)) Error(v, "type", $"{what} annotations.customMetadata must be a mapping");
                    break;
                default:
                    custom[key] = v;
                    break;
            }
        }
    }

    private ToolSecurityPolicy ParseSecurity(YamlNode node, string what)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"{what} security must be a mapping"); return ToolSecurityPolicy.Default; }
        WarnUnknownKeys(map, SecurityKeys, $"{what} security");
        bool readOnly = Get(map, "readOnly") is { } ro ? Bool(ro, $"{what} security.readOnly") ?? true : true;
        int maxLength = ToolSecurityPolicy.DefaultMaxQueryLength;
        if (Get(map, "maxQueryLength") is { } ml && Integer(ml, $"{what} security.maxQueryLength", 1, int.MaxValue) is int m) maxLength = m;
        var keywords = new List<string[]>();
        if (Get(map, "forbiddenKeywords") is { } fk && !IsNull(fk))
        {
            if (fk is not YamlSequenceNode seq) Error(fk, "type", $"{what} security.forbiddenKeywords must be a list of strings");
            else
                foreach (var item in seq.Children)
                    if (Text(item, $"{what} security.forbiddenKeywords item") is { } kw && kw.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } words)
                        keywords.Add(words);
        }
        return new ToolSecurityPolicy { ReadOnly = readOnly, MaxQueryLength = maxLength, ForbiddenKeywords = keywords, Declared = true };
    }

    private ToolParameter? ParseParameter(YamlNode node, string tool)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"{tool}: each parameter must be a mapping with name and type"); return null; }
        var name = RequiredString(map, "name", $"{tool} parameter");
        string what = $"{tool} parameter '{name}'";
        WarnUnknownKeys(map, ParameterKeys, what);
        var typeText = Get(map, "type") is { } tn ? OneOf(tn, $"{what} type", ["string", "boolean", "integer", "float", "array"]) : null;
        if (Get(map, "type") is null) Error(map, "required", $"{what} is missing required field 'type' (string, boolean, integer, float or array)");
        if (name is null || typeText is null) return null;
        var type = ParseType(typeText);

        ToolParameterType? itemType = null;
        if (Get(map, "itemType") is { } it)
        {
            var itText = OneOf(it, $"{what} itemType", ["string", "boolean", "integer", "float"]);
            if (itText is not null) itemType = ParseType(itText);
            if (type != ToolParameterType.Array) Warning(it, "item-type-ignored", $"{what} has itemType but is not an array; itemType ignored");
        }
        bool? required = Get(map, "required") is { } rq ? Bool(rq, $"{what} required") : null;
        double? min = Get(map, "min") is { } mn ? Number(mn, $"{what} min") : null;
        double? max = Get(map, "max") is { } mx ? Number(mx, $"{what} max") : null;
        if (min > max) Error(map, "range", $"{what} has min {min} greater than max {max}");
        int? minLength = Get(map, "minLength") is { } mnl ? Integer(mnl, $"{what} minLength", 0, int.MaxValue) : null;
        int? maxLength = Get(map, "maxLength") is { } mxl ? Integer(mxl, $"{what} maxLength", 0, int.MaxValue) : null;
        if (minLength > maxLength) Error(map, "range", $"{what} has minLength {minLength} greater than maxLength {maxLength}");

        List<JsonElement>? enumValues = null;
        if (Get(map, "enum") is { } en && !IsNull(en))
        {
            if (en is not YamlSequenceNode seq || seq.Children.Count == 0 || seq.Children.Any(c => c is not YamlScalarNode))
                Error(en, "type", $"{what} enum must be a non-empty list of strings, numbers or booleans");
            else enumValues = seq.Children.Select(YamlValues.ToJson).ToList();
        }

        string? pattern = null;
        Regex? regex = null;
        if (Get(map, "pattern") is { } pt && Text(pt, $"{what} pattern") is { } pat)
        {
            pattern = pat;
            try { regex = new Regex(pat, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)); }
            catch (ArgumentException ex) { Error(pt, "pattern", $"{what} pattern is not a valid regular expression: {ex.Message}"); }
        }

        var parameter = new ToolParameter
        {
            Name = name, Type = type, Description = OptionalString(map, "description", what), Required = required, ItemType = itemType,
            Min = min, Max = max, MinLength = minLength, MaxLength = maxLength, Enum = enumValues, Pattern = pattern, PatternRegex = regex,
            Location = At(node), DefaultValue = ArgumentValue.Missing(type),
        };
        if (Get(map, "default") is not { } dn || IsNull(dn)) return parameter;

        // The default must satisfy the parameter's own rules; it is coerced once here and reused at every call.
        var defaultJson = YamlValues.ToJson(dn);
        List<string>? problems = null;
        var defaultValue = ToolArgumentValidator.Coerce(parameter, defaultJson, ref problems);
        if (problems is not null)
            foreach (var problem in problems) Error(dn, "default", $"{tool}: default value does not satisfy its own parameter: {problem}");
        return new ToolParameter
        {
            Name = parameter.Name, Type = parameter.Type, Description = parameter.Description, Required = required, ItemType = itemType,
            Min = min, Max = max, MinLength = minLength, MaxLength = maxLength, Enum = enumValues, Pattern = pattern, PatternRegex = regex,
            Location = parameter.Location, Default = defaultJson, DefaultValue = defaultValue,
        };
    }

    private static ToolParameterType ParseType(string text) => text switch
    {
        "boolean" => ToolParameterType.Boolean,
        "integer" => ToolParameterType.Integer,
        "float" => ToolParameterType.Float,
        "array" => ToolParameterType.Array,
        _ => ToolParameterType.String,
    };

    // ── toolsets ──────────────────────────────────────────────────────────────
    private void ParseToolset(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"Toolset '{name}' must be a mapping"); return; }
        WarnUnknownKeys(map, ToolsetKeys, $"toolset '{name}'");
        var toolset = new ToolsetDraft
        {
            Name = name, Location = At(keyNode),
            Title = OptionalString(map, "title", $"Toolset '{name}'"),
            Description = OptionalString(map, "description", $"Toolset '{name}'"),
        };
        var tools = Get(map, "tools");
        if (tools is not YamlSequenceNode seq || seq.Children.Count == 0)
            Error(tools ?? keyNode, "required", $"Toolset '{name}' must list at least one tool under 'tools'");
        else
            foreach (var item in seq.Children)
                if (Text(item, $"Toolset '{name}' tool") is { } t) toolset.Tools.Add((t, At(item)));
        if (Get(map, "metadata") is { } md && !IsNull(md))
        {
            if (md is YamlMappingNode) toolset.Metadata = YamlValues.ToJson(md);
            else Error(md, "type", $"Toolset '{name}' metadata must be a mapping");
        }
        if (Get(map, "authorization") is { } auth && ParseAuthorization(auth, $"toolset '{name}'") is { } rule) toolset.Rules.Add(rule);
        content.Toolsets.Add(toolset);
    }

    // ── prompts ───────────────────────────────────────────────────────────────
    private void ParsePrompt(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"Prompt '{name}' must be a mapping"); return; }
        string what = $"Prompt '{name}'";
        foreach (var (k, _) in map.Children)
            if (Array.IndexOf(PromptKeys, KeyOf(k)) < 0)
                Error(k, "unknown-key", $"Unknown key '{KeyOf(k)}' in prompt '{name}' (expected: {string.Join(", ", PromptKeys)})");
        var title = OptionalString(map, "title", what);
        var description = RequiredString(map, "description", what);
        if (description is { Length: 0 }) Error(Get(map, "description")!, "required", $"{what} has an empty description");

        var arguments = new List<Prompts.PromptArgumentDefinition>();
        var argumentNodes = new List<YamlMappingNode>();
        if (Get(map, "arguments") is { } argsNode && !IsNull(argsNode))
        {
            if (argsNode is not YamlSequenceNode seq) Error(argsNode, "type", $"{what} arguments must be a list");
            else
                foreach (var item in seq.Children)
                {
                    if (ParsePromptArgument(item, what) is not { } argument) continue;
                    if (arguments.Exists(a => a.Name == argument.Name)) { Error(item, "duplicate-parameter", $"{what} declares argument '{argument.Name}' twice"); continue; }
                    arguments.Add(argument);
                    argumentNodes.Add((YamlMappingNode)item);
                }
        }
        arguments = ResolveSchemaArguments(arguments, argumentNodes, what);

        var names = arguments.Select(a => a.Name).ToList();
        var used = new HashSet<int>();
        var messages = new List<Prompts.PromptMessageDefinition>();
        var messagesNode = Get(map, "messages");
        if (messagesNode is not YamlSequenceNode messageList || messageList.Children.Count == 0)
            Error(messagesNode ?? keyNode, "required", $"{what} must have at least one message under 'messages'");
        else
            foreach (var item in messageList.Children)
            {
                if (item is not YamlMappingNode m) { Error(item, "type", $"{what}: each message must be a mapping with role and content"); continue; }
                foreach (var (k, _) in m.Children)
                    if (Array.IndexOf(PromptMessageKeys, KeyOf(k)) < 0)
                        Error(k, "unknown-key", $"Unknown key '{KeyOf(k)}' in a message of {what} (expected: {string.Join(", ", PromptMessageKeys)})");
                var role = Get(m, "role") is { } rn ? OneOf(rn, $"{what} message role", ["user", "assistant"]) : "user";
                var text = RequiredString(m, "content", $"{what} message");
                if (role is null || text is null) continue;
                var unknown = new List<string>();
                var template = Prompts.PromptTemplate.Parse(text, names, unknown);
                foreach (var u in unknown)
                    Error(Get(m, "content")!, "unknown-argument", $"{what} message uses {{{{{u}}}}}, which is not one of its arguments ({(names.Count == 0 ? "it has none" : string.Join(", ", names))})");
                used.UnionWith(template.Slots);
                messages.Add(new(role == "assistant" ? ModelContextProtocol.Protocol.Role.Assistant : ModelContextProtocol.Protocol.Role.User, template));
            }
        for (var i = 0; i < arguments.Count; i++)
            if (!used.Contains(i))
                Warning(argumentNodes[i], "unused-argument", $"{what} argument '{arguments[i].Name}' is not used in any message");

        AccessRule? rule = Get(map, "authorization") is { } auth ? ParseAuthorization(auth, $"prompt '{name}'") : null;
        if (description is null || messages.Count == 0) return;
        content.Prompts.Add(new Prompts.PromptDefinition(name, title, description, arguments, messages, rule, At(keyNode)));
    }

    private Prompts.PromptArgumentDefinition? ParsePromptArgument(YamlNode node, string prompt)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"{prompt}: each argument must be a mapping with a name"); return null; }
        var name = RequiredString(map, "name", $"{prompt} argument");
        if (name is null) return null;
        string what = $"{prompt} argument '{name}'";
        foreach (var (k, _) in map.Children)
            if (Array.IndexOf(PromptArgumentKeys, KeyOf(k)) < 0)
                Error(k, "unknown-key", $"Unknown key '{KeyOf(k)}' in {what} (expected: {string.Join(", ", PromptArgumentKeys)})");
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z_][A-Za-z0-9_-]{0,63}$"))
            Error(Get(map, "name")!, "name", $"{what}: a name is a letter or _ followed by up to 63 letters, digits, _ or -");

        var values = new List<string>();
        if (Get(map, "enum") is { } en && !IsNull(en))
        {
            if (en is not YamlSequenceNode seq || seq.Children.Count == 0) Error(en, "type", $"{what} enum must be a non-empty list of values");
            else
                foreach (var item in seq.Children)
                    if (Text(item, $"{what} enum value") is { } v)
                    {
                        if (values.Contains(v, StringComparer.OrdinalIgnoreCase)) Error(item, "enum", $"{what} lists '{v}' twice");
                        else values.Add(v);
                    }
        }
        var completion = values.Count > 0 ? Prompts.ArgumentCompletionKind.Enum : Prompts.ArgumentCompletionKind.None;
        if (Get(map, "complete") is { } cn && OneOf(cn, $"{what} complete", ["schema", "table"]) is { } kind)
        {
            if (values.Count > 0) Error(cn, "complete", $"{what} has both enum and complete; an enum completes from its own values");
            else completion = kind == "schema" ? Prompts.ArgumentCompletionKind.Schema : Prompts.ArgumentCompletionKind.Table;
        }
        return new Prompts.PromptArgumentDefinition
        {
            Name = name,
            Title = OptionalString(map, "title", what),
            Description = OptionalString(map, "description", what),
            Required = Get(map, "required") is { } rq && (Bool(rq, $"{what} required") ?? false),
            Enum = values,
            Completion = completion,
            Location = At(node),
        };
    }

    /// <summary>
    /// A <c>complete: table</c> argument completes within the schema another argument names: its <c>schemaArgument</c>,
    /// or else the prompt's one <c>complete: schema</c> argument.
    /// </summary>
    private List<Prompts.PromptArgumentDefinition> ResolveSchemaArguments(List<Prompts.PromptArgumentDefinition> arguments,
        List<YamlMappingNode> nodes, string what)
    {
        var resolved = new List<Prompts.PromptArgumentDefinition>(arguments.Count);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var explicitNode = Get(nodes[i], "schemaArgument");
            if (argument.Completion != Prompts.ArgumentCompletionKind.Table)
            {
                if (explicitNode is not null) Warning(explicitNode, "schema-argument-ignored", $"{what} argument '{argument.Name}' has schemaArgument but does not complete tables; ignored");
                resolved.Add(argument);
                continue;
            }
            int schema;
            if (explicitNode is not null && Text(explicitNode, $"{what} argument '{argument.Name}' schemaArgument") is { } named)
            {
                schema = arguments.FindIndex(a => a.Name == named);
                if (schema < 0 || schema == i)
                    Error(explicitNode, "schema-argument", $"{what} argument '{argument.Name}': schemaArgument '{named}' is not another argument of the prompt");
            }
            else
            {
                var schemas = arguments.Select((a, index) => (a, index)).Where(p => p.a.Completion == Prompts.ArgumentCompletionKind.Schema).ToList();
                schema = schemas.Count == 1 ? schemas[0].index : -1;
                if (schema < 0)
                    Error(nodes[i], "schema-argument", $"{what} argument '{argument.Name}' completes tables but the prompt has {(schemas.Count == 0 ? "no" : "several")} 'complete: schema' argument{(schemas.Count == 0 ? "" : "s")}; name one with schemaArgument");
            }
            resolved.Add(new Prompts.PromptArgumentDefinition
            {
                Name = argument.Name, Title = argument.Title, Description = argument.Description, Required = argument.Required,
                Enum = argument.Enum, Completion = argument.Completion, SchemaArgument = schema, Location = argument.Location,
            });
        }
        return resolved;
    }

    // ── builtin_tools ─────────────────────────────────────────────────────────
    private void ParseBuiltInTool(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"builtin_tools '{name}' must be a mapping"); return; }
        if (Array.IndexOf(BuiltIn.BuiltInTools.Names, name) < 0)
        {
            Error(keyNode, "unknown-builtin", $"builtin_tools '{name}' is not a built-in tool (one of: {string.Join(", ", BuiltIn.BuiltInTools.Names)})");
            return;
        }
        foreach (var (k, _) in map.Children)
            if (Array.IndexOf(BuiltInToolKeys, KeyOf(k)) < 0)
                Error(k, "unknown-key", $"Unknown key '{KeyOf(k)}' in builtin_tools '{name}' (expected: {string.Join(", ", BuiltInToolKeys)})");
        if (Get(map, "authorization") is { } auth && ParseAuthorization(auth, $"built-in tool '{name}'") is { } rule)
            content.BuiltInRules.Add((name, rule));
    }

    // ── authorization ─────────────────────────────────────────────────────────
    /// <summary>
    /// <c>authorization: { users, groups, specialAuthorities, scopes }</c>, each a list (or one string). Unlike other
    /// sections, an unknown key here is an error: a misspelled clause in a security rule must not pass quietly.
    /// </summary>
    private AccessRule? ParseAuthorization(YamlNode node, string owner)
    {
        string what = $"authorization of {owner}";
        if (node is not YamlMappingNode map) { Error(node, "type", $"The {what} must be a mapping of users, groups, specialAuthorities and scopes"); return null; }
        var users = new List<string>(); var groups = new List<string>(); var authorities = new List<string>(); var scopes = new List<string>();
        foreach (var (k, v) in map.Children)
        {
            var key = KeyOf(k);
            var target = key switch { "users" => users, "groups" => groups, "specialAuthorities" => authorities, "scopes" => scopes, _ => null };
            if (target is null)
            {
                Error(k, "unknown-key", $"Unknown key '{key}' in the {what} (expected: {string.Join(", ", AuthorizationKeys)})");
                continue;
            }
            foreach (var (itemNode, text) in Items(v, $"{what} {key}"))
            {
                var item = text.Trim();
                if (item.Length == 0 || item.Contains(' ')) { Error(itemNode, "value", $"{what} {key}: '{text}' is not a name"); continue; }
                switch (key)
                {
                    case "specialAuthorities":
                        var authority = (item.StartsWith('*') ? item : "*" + item).ToUpperInvariant();
                        if (Array.IndexOf(AccessRule.KnownSpecialAuthorities, authority) < 0)
                            Error(itemNode, "enum", $"{what} specialAuthorities: '{item}' is not an IBM i special authority (one of: {string.Join(", ", AccessRule.KnownSpecialAuthorities)})");
                        else target.Add(authority);
                        break;
                    case "scopes": target.Add(item); break;
                    default: target.Add(item.ToUpperInvariant()); break;
                }
            }
        }
        var rule = new AccessRule { Users = users, Groups = groups, SpecialAuthorities = authorities, Scopes = scopes, Origin = owner, Location = At(node) };
        if (rule.IsEmpty)
        {
            Error(node, "empty-rule", $"The {what} lists nobody: give at least one of {string.Join(", ", AuthorizationKeys)} (omit 'authorization' to leave it open)");
            return null;
        }
        return rule;
    }

    private IEnumerable<(YamlNode Node, string Text)> Items(YamlNode node, string what)
    {
        if (node is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children)
                if (Text(item, what) is { } t) yield return (item, t);
        }
        else if (node is YamlScalarNode && !IsNull(node) && Text(node, what) is { } one)
            yield return (node, one);
        else
            Error(node, "type", $"{what} must be a list of names");
    }

    // ── helpers ───────────────────────────────────────────────────────────────
    private static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode s && s.Value == key) return v;
        return null;
    }

    private static string KeyOf(YamlNode key) => key is YamlScalarNode s ? s.Value ?? "" : "";

    private static bool IsNull(YamlNode node) => node is YamlScalarNode s && YamlValues.KindOf(s, out _) == JsonValueKind.Null;

    private void WarnUnknownKeys(YamlMappingNode map, string[] known, string where)
    {
        foreach (var (k, _) in map.Children)
        {
            var key = KeyOf(k);
            if (Array.IndexOf(known, key) < 0)
                Warning(k, "unknown-key", $"Unknown key '{key}' in {where} ignored (expected one of: {string.Join(", ", known)})");
        }
    }

    private string? RequiredString(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        if (node is null || IsNull(node))
        {
            Error(node ?? map, "required", $"{what} is missing required field '{key}'");
            return null;
        }
        return Text(node, $"{what} {key}");
    }

    private string? OptionalString(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        return node is null || IsNull(node) ? null : Text(node, $"{what} {key}");
    }

    /// <summary>Any scalar is accepted as text (a description of `42` is still a description).</summary>
    private string? Text(YamlNode node, string what)
    {
        if (node is YamlScalarNode s) return IsNull(s) ? null : s.Value ?? "";
        Error(node, "type", $"{what} must be a string");
        return null;
    }

    private bool? Bool(YamlNode node, string what)
    {
        if (node is YamlScalarNode s)
            switch (YamlValues.KindOf(s, out _))
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.Null: return null;
            }
        Error(node, "type", $"{what} must be true or false");
        return null;
    }

    private double? Number(YamlNode node, string what)
    {
        if (node is YamlScalarNode s)
        {
            var kind = YamlValues.KindOf(s, out double n);
            if (kind == JsonValueKind.Number) return n;
            if (kind == JsonValueKind.Null) return null;
        }
        Error(node, "type", $"{what} must be a number");
        return null;
    }

    private int? Integer(YamlNode node, string what, int min, int max)
    {
        var n = Number(node, what);
        if (n is null) return null;
        if (n != Math.Floor(n.Value)) { Error(node, "type", $"{what} must be an integer"); return null; }
        if (n < min || n > max)
        {
            Error(node, "range", max == int.MaxValue ? $"{what} must be at least {min}" : $"{what} must be between {min} and {max}");
            return null;
        }
        return (int)n.Value;
    }

    private string? OneOf(YamlNode node, string what, string[] allowed)
    {
        var text = Text(node, what);
        if (text is null) return null;
        if (Array.IndexOf(allowed, text) >= 0) return text;
        Error(node, "enum", $"{what} must be one of: {string.Join(", ", allowed)} (got '{text}')");
        return null;
    }

    private SourceLocation At(YamlNode node) => new(_file, (int)node.Start.Line, (int)node.Start.Column);

    private void Error(YamlNode node, string rule, string message) => _errors.Add(new ToolLoadError(At(node), rule, message));
    private void Warning(YamlNode node, string rule, string message) => _warnings.Add(new ToolLoadError(At(node), rule, message));
}
