using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tools;

/// <summary>The <c>sources:</c> and <c>tools:</c> sections: connections, tools, their parameters, security and annotations.</summary>
internal sealed partial class ToolFileParser
{
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
}
