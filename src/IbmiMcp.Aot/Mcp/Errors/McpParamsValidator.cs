using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp.Errors;

/// <summary>
/// Checks the params of every request and notification this server serves against the MCP schema (2025-11-25, with
/// the fields 2026-07-28 adds), before the SDK deserializes them. A client's mistake then comes back as -32602 naming
/// the field, what was expected and what came, instead of the SDK's "An error occurred." (-32603) or, for initialize
/// over HTTP, an HTTP 500. Unknown fields are accepted and ignored; unknown methods are left to the SDK (-32601).
/// </summary>
internal static class McpParamsValidator
{
    private static readonly McpField Meta = new("_meta", JsonKinds.Object)
    {
        Fields = [new("progressToken", JsonKinds.String | JsonKinds.Integer)],
    };

    /// <summary>Fields every request may carry: _meta, and 2026-07-28's multi-round-trip fields.</summary>
    private static readonly McpField[] RequestBase =
        [Meta, new("inputResponses", JsonKinds.Object), new("requestState", JsonKinds.String)];

    private static readonly McpField[] Paginated = [.. RequestBase, new("cursor", JsonKinds.String)];

    private static readonly McpField[] UriOnly = [.. RequestBase, new("uri", JsonKinds.String, Required: true)];

    private static readonly McpField Icon = new("icon", JsonKinds.Object)
    {
        Fields =
        [
            new("src", JsonKinds.String, Required: true), new("mimeType", JsonKinds.String), new("theme", JsonKinds.String),
            new("sizes", JsonKinds.Array) { Items = new("size", JsonKinds.String) },
        ],
    };

    private static readonly string[] LoggingLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

    private static readonly FrozenDictionary<string, McpField[]> Requests = new Dictionary<string, McpField[]>(StringComparer.Ordinal)
    {
        [RequestMethods.Initialize] =
        [
            .. RequestBase,
            new("protocolVersion", JsonKinds.String, Required: true),
            new("capabilities", JsonKinds.Object, Required: true)
            {
                Fields =
                [
                    new("experimental", JsonKinds.Object), new("extensions", JsonKinds.Object),
                    new("roots", JsonKinds.Object) { Fields = [new("listChanged", JsonKinds.Boolean)] },
                    new("sampling", JsonKinds.Object), new("elicitation", JsonKinds.Object), new("tasks", JsonKinds.Object),
                ],
            },
            new("clientInfo", JsonKinds.Object, Required: true)
            {
                Fields =
                [
                    new("name", JsonKinds.String, Required: true), new("version", JsonKinds.String, Required: true),
                    new("title", JsonKinds.String), new("description", JsonKinds.String), new("websiteUrl", JsonKinds.String),
                    new("icons", JsonKinds.Array) { Items = Icon },
                ],
            },
        ],
        [RequestMethods.Ping] = RequestBase,
        [RequestMethods.ServerDiscover] = RequestBase,
        [RequestMethods.ToolsList] = Paginated,
        [RequestMethods.PromptsList] = Paginated,
        [RequestMethods.ResourcesList] = Paginated,
        [RequestMethods.ResourcesTemplatesList] = Paginated,
        [RequestMethods.ToolsCall] =
            [.. RequestBase, new("name", JsonKinds.String, Required: true), new("arguments", JsonKinds.Object), new("task", JsonKinds.Object)],
        [RequestMethods.PromptsGet] =
            [.. RequestBase, new("name", JsonKinds.String, Required: true), new("arguments", JsonKinds.Object) { Values = JsonKinds.String }],
        [RequestMethods.ResourcesRead] = UriOnly,
        [RequestMethods.ResourcesSubscribe] = UriOnly,
        [RequestMethods.ResourcesUnsubscribe] = UriOnly,
        [RequestMethods.CompletionComplete] =
        [
            .. RequestBase,
            new("ref", JsonKinds.Object, Required: true)
            {
                Fields = [new("type", JsonKinds.String, Required: true) { OneOf = ["ref/prompt", "ref/resource"] }],
                Union = ("type", new Dictionary<string, McpField[]>(StringComparer.Ordinal)
                {
                    ["ref/prompt"] = [new("name", JsonKinds.String, Required: true), new("title", JsonKinds.String)],
                    ["ref/resource"] = [new("uri", JsonKinds.String, Required: true)],
                }),
            },
            new("argument", JsonKinds.Object, Required: true)
            {
                Fields = [new("name", JsonKinds.String, Required: true), new("value", JsonKinds.String, Required: true)],
            },
            new("context", JsonKinds.Object) { Fields = [new("arguments", JsonKinds.Object) { Values = JsonKinds.String }] },
        ],
        // Literal names: the SDK marks the constants of the features 2026-07-28 deprecates obsolete; older revisions still send them.
        ["logging/setLevel"] = [.. RequestBase, new("level", JsonKinds.String, Required: true) { OneOf = LoggingLevels }],
        [RequestMethods.SubscriptionsListen] =
        [
            .. RequestBase,
            new("notifications", JsonKinds.Object, Required: true)
            {
                Fields =
                [
                    new("toolsListChanged", JsonKinds.Boolean), new("promptsListChanged", JsonKinds.Boolean),
                    new("resourcesListChanged", JsonKinds.Boolean), new("resourceSubscriptions", JsonKinds.Array),
                ],
            },
        ],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, McpField[]> Notifications = new Dictionary<string, McpField[]>(StringComparer.Ordinal)
    {
        [NotificationMethods.InitializedNotification] = [Meta],
        ["notifications/roots/list_changed"] = [Meta],
        [NotificationMethods.CancelledNotification] =
            [Meta, new("requestId", JsonKinds.String | JsonKinds.Integer, Required: true), new("reason", JsonKinds.String)],
        [NotificationMethods.ProgressNotification] =
        [
            Meta, new("progressToken", JsonKinds.String | JsonKinds.Integer, Required: true), new("progress", JsonKinds.Number, Required: true),
            new("total", JsonKinds.Number), new("message", JsonKinds.String),
        ],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Whether this server knows the shape of <paramref name="method"/>'s params.</summary>
    public static bool Knows(string method) => Requests.ContainsKey(method) || Notifications.ContainsKey(method);

    /// <summary>
    /// Null when the params of this request or notification fit the schema (or the method is not one this validator
    /// knows); otherwise the -32602 message, e.g. <c>Invalid params: params.name must be a string, got number</c>.
    /// </summary>
    public static string? Validate(string method, JsonNode? parameters)
    {
        if (!Requests.TryGetValue(method, out var fields) && !Notifications.TryGetValue(method, out fields))
            return null;
        if (parameters is null)
            return HasRequired(fields) ? $"Invalid params: {method} requires params (an object), got nothing" : null;
        if (parameters is not JsonObject obj)
            return $"Invalid params: params must be an object, got {KindOf(parameters)}";
        return Duplicate(obj, "params") ?? CheckObject(obj, fields, "params");
    }

    private static bool HasRequired(McpField[] fields)
    {
        foreach (var field in fields)
            if (field.Required) return true;
        return false;
    }

    private static string? CheckObject(JsonObject obj, McpField[] fields, string path)
    {
        foreach (var field in fields)
        {
            var fieldPath = path + "." + field.Name;
            // A JSON null counts as absent for optional fields (the SDK reads it as unset); a required field needs a value.
            if (!obj.TryGetPropertyValue(field.Name, out var value) || value is null)
            {
                if (field.Required)
                    return $"Invalid params: {fieldPath} is required ({Describe(field.Kinds)}), got nothing";
                continue;
            }
            if (CheckValue(value, field, fieldPath) is { } error)
                return error;
        }
        return null;
    }

    private static string? CheckValue(JsonNode value, McpField field, string path)
    {
        var kind = value.GetValueKind();
        if (!Fits(value, kind, field.Kinds))
            return $"Invalid params: {path} must be {Describe(field.Kinds)}, got {KindOf(value)}";
        if (field.OneOf is { } allowed)
        {
            var text = value.GetValue<string>();
            if (Array.IndexOf(allowed, text) < 0)
                return $"Invalid params: {path} must be one of {string.Join(", ", allowed)}, got {Quote(text)}";
        }
        if (value is JsonArray array)
        {
            if (field.Items is { } item)
                for (var i = 0; i < array.Count; i++)
                {
                    var itemPath = $"{path}[{i}]";
                    if (array[i] is not { } element)
                        return $"Invalid params: {itemPath} must be {Describe(item.Kinds)}, got null";
                    if (CheckValue(element, item, itemPath) is { } inItem)
                        return inItem;
                }
            return null;
        }
        if (value is not JsonObject obj)
            return null;
        if (Duplicate(obj, path) is { } twice)
            return twice;
        if (field.Fields is { } fields && CheckObject(obj, fields, path) is { } nested)
            return nested;
        if (field.Union is var (tag, variants) && obj[tag] is JsonValue tagValue && tagValue.TryGetValue<string>(out var name)
            && variants.TryGetValue(name, out var variant) && CheckObject(obj, variant, path) is { } inVariant)
            return inVariant;
        if (field.Values != JsonKinds.None)
        {
            foreach (var (key, member) in obj)
            {
                if (member is null || !Fits(member, member.GetValueKind(), field.Values))
                    return $"Invalid params: {path}.{key} must be {Describe(field.Values)}, got {(member is null ? "null" : KindOf(member))}";
            }
        }
        return null;
    }

    /// <summary>
    /// An object that names a property twice (RFC 8259 leaves its meaning open): System.Text.Json's JsonObject throws
    /// when it first indexes one, which would otherwise happen inside the SDK or a handler. Indexing it here, once,
    /// turns that into the client's error.
    /// </summary>
    private static string? Duplicate(JsonObject obj, string path)
    {
        try
        {
            _ = obj.Count;
            return null;
        }
        catch (ArgumentException ex)
        {
            var at = ex.Message.LastIndexOf("Key: ", StringComparison.Ordinal);
            var key = at >= 0 ? Quote(ex.Message[(at + 5)..].Split(' ', 2)[0]) + " " : "";
            return $"Invalid params: {path} holds the property {key}more than once";
        }
    }

    private static bool Fits(JsonNode value, JsonValueKind kind, JsonKinds allowed) => kind switch
    {
        JsonValueKind.String => (allowed & JsonKinds.String) != 0,
        JsonValueKind.Number => (allowed & JsonKinds.Number) == JsonKinds.Number
            || ((allowed & JsonKinds.Integer) != 0 && value is JsonValue number && number.TryGetValue<long>(out _)),
        JsonValueKind.True or JsonValueKind.False => (allowed & JsonKinds.Boolean) != 0,
        JsonValueKind.Object => (allowed & JsonKinds.Object) != 0,
        JsonValueKind.Array => (allowed & JsonKinds.Array) != 0,
        JsonValueKind.Null => (allowed & JsonKinds.Null) != 0,
        _ => false,
    };

    /// <summary>"a string", "a string or an integer", …</summary>
    internal static string Describe(JsonKinds kinds)
    {
        var parts = new List<string>(2);
        if ((kinds & JsonKinds.String) != 0) parts.Add("a string");
        if ((kinds & JsonKinds.Number) == JsonKinds.Number) parts.Add("a number");
        else if ((kinds & JsonKinds.Integer) != 0) parts.Add("an integer");
        if ((kinds & JsonKinds.Boolean) != 0) parts.Add("a boolean");
        if ((kinds & JsonKinds.Object) != 0) parts.Add("an object");
        if ((kinds & JsonKinds.Array) != 0) parts.Add("an array");
        if ((kinds & JsonKinds.Null) != 0) parts.Add("null");
        return string.Join(" or ", parts);
    }

    /// <summary>What came: the JSON type, with the value itself when it is short.</summary>
    internal static string KindOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => "the string " + Quote(value.GetValue<string>()),
        JsonValueKind.Number => "the number " + Truncate(value.ToJsonString()),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };

    /// <summary>A client's string, short and printable: it goes into the answer and into a log line.</summary>
    private static string Quote(string text)
    {
        var shown = Truncate(text);
        return string.Create(shown.Length + 2, shown, static (span, value) =>
        {
            span[0] = span[^1] = '"';
            for (var i = 0; i < value.Length; i++)
                span[i + 1] = char.IsControl(value[i]) ? '?' : value[i];
        });
    }

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
