namespace IbmiMcp.Configuration;

/// <summary>
/// The version baked in at build time (-p:Version=…), shown by --version and in serverInfo. The build writes it as a
/// constant (the WriteBuildInfoVersion target in the project), so no start-up pays for reading assembly attributes.
/// </summary>
internal static partial class BuildInfo;
