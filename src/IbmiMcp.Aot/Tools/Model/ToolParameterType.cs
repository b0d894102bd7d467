namespace IbmiMcp.Tools;

/// <summary>YAML parameter types (`type:` / `itemType:`).</summary>
internal enum ToolParameterType : byte { String, Boolean, Integer, Float, Array }
