using System.Reflection;

namespace IbmiMcp.Configuration;

/// <summary>The version baked in at build time (-p:Version=…), shown by --version and in serverInfo.</summary>
internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
