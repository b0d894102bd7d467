using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tools;

/// <summary>The <c>prompts:</c> section: prompts, their arguments and messages.</summary>
internal sealed partial class ToolFileParser
{
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
}
