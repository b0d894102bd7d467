using System.Text.Json;
using System.Text.Json.Serialization;

namespace IbmiMcp.Tests.Tools;

[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class TestJson : JsonSerializerContext;
