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
/// One file per section of the format: <c>.Tools</c> (sources, tools, parameters), <c>.Toolsets</c> (toolsets,
/// builtin_tools, authorization rules), <c>.Prompts</c>, and <c>.Values</c> (typed reads, error locations).
/// </summary>
internal sealed partial class ToolFileParser
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
}
