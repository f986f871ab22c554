// Opcode → operand form, built once from System.Reflection.Emit.OpCodes (the BCL's own table).
using System.Reflection;
using System.Reflection.Emit;

namespace Graft.Ecma.Checker;

static class OpCodeTable
{
    public static readonly OperandType?[] OneByte = new OperandType?[256];
    public static readonly OperandType?[] TwoByte = new OperandType?[256];
    public static readonly string?[] OneByteName = new string?[256];
    public static readonly string?[] TwoByteName = new string?[256];

    static OpCodeTable()
    {
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (f.GetValue(null) is not OpCode op) continue;
            ushort v = (ushort)op.Value;
            if (op.Size == 1) { OneByte[v] = op.OperandType; OneByteName[v] = op.Name; }
            else if ((v >> 8) == 0xFE) { TwoByte[v & 0xFF] = op.OperandType; TwoByteName[v & 0xFF] = op.Name; }
        }
        // 0xF8..0xFF are the reserved "prefix" encodings (0xFE introduces two-byte opcodes): never instructions.
        for (int i = 0xF8; i <= 0xFF; i++) { OneByte[i] = null; OneByteName[i] = null; }
    }

    /// <summary>Fixed operand size, or -1 for switch.</summary>
    public static int OperandSize(OperandType t) => t switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => -1,
        _ => 4,
    };
}
