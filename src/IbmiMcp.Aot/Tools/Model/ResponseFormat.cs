namespace IbmiMcp.Tools;

internal enum ResponseFormat : byte { Json, Markdown, Csv }
