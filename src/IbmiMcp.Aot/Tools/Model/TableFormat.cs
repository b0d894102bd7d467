namespace IbmiMcp.Tools;

/// <summary>Table style of the markdown response format.</summary>
internal enum TableFormat : byte { Markdown, Ascii, Grid, Compact }
