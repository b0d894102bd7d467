namespace IbmiMcp.Auth;

/// <summary>
/// The one rule for files holding server secrets (the RSA private keys, the session sealing keys): they must exist and
/// be readable by their owner only, or the server refuses to start and says how to fix the mode.
/// </summary>
internal static class PrivateKeyFile
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>True when <paramref name="path"/> exists and only its owner may use it; otherwise adds one error naming <paramref name="setting"/>.</summary>
    public static bool Check(string setting, string path, string what, List<string> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add($"{setting}: {what} '{path}' does not exist.");
            return false;
        }
        if (OperatingSystem.IsWindows())
            return true;
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) == 0)
            return true;
        errors.Add($"{setting}: {what} '{path}' is accessible by group or others (mode {Octal(mode)}); run: chmod 600 '{path}'.");
        return false;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
