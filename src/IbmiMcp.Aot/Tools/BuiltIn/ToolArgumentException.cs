namespace IbmiMcp.Tools.BuiltIn;

/// <summary>An argument a model can fix; the message names the argument and the rule.</summary>
internal sealed class ToolArgumentException(string message) : Exception(message);
