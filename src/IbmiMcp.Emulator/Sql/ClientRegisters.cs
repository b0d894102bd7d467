namespace IbmiMcp.Emulator.Sql;

/// <summary>The Db2 client special registers of one job (set at connect and by SYSPROC.WLM_SET_CLIENT_INFO).</summary>
internal sealed class ClientRegisters
{
    public string ApplName { get; set; } = "";
    public string UserId { get; set; } = "";
    public string WrkstnName { get; set; } = "";
    public string Acctng { get; set; } = "";
    public string ProgramId { get; set; } = "";
}
