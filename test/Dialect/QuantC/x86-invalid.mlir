// RUN: quantc-opt %s -split-input-file -verify-diagnostics

func.func @vpdpbusd_lanes(%acc: vector<2xi32>, %a: vector<8xi8>) -> vector<2xi32> {
  // expected-error @+1 {{accumulator must have 4, 8 or 16 i32 lanes (xmm, ymm, zmm), got 'vector<2xi32>'}}
  %d = quantc.x86.vpdpbusd %acc, %a, %a : vector<2xi32>, vector<8xi8>
  return %d : vector<2xi32>
}

// -----

func.func @vpdpbusd_bytes(%acc: vector<16xi32>, %a: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{operands must have 4 i8 per accumulator lane ('vector<64xi8>'), got 'vector<32xi8>'}}
  %d = quantc.x86.vpdpbusd %acc, %a, %a : vector<16xi32>, vector<32xi8>
  return %d : vector<16xi32>
}

// -----

func.func @vpdpbusd_type(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi16>) -> vector<16xi32> {
  // expected-error @+1 {{op operand #2 must be vector of 8-bit signless integer values of ranks 1, but got 'vector<64xi16>'}}
  %d = "quantc.x86.vpdpbusd"(%acc, %a, %b) : (vector<16xi32>, vector<64xi8>, vector<64xi16>) -> vector<16xi32>
  return %d : vector<16xi32>
}

// -----

func.func @pmaddwd_lanes(%a: vector<16xi16>) -> vector<16xi32> {
  // expected-error @+1 {{operands must have 2 i16 per result lane ('vector<32xi16>'), got 'vector<16xi16>'}}
  %p = quantc.x86.pmaddwd %a, %a : vector<16xi16> -> vector<16xi32>
  return %p : vector<16xi32>
}

// -----

func.func @pmaddwd_width(%a: vector<4xi16>) -> vector<2xi32> {
  // expected-error @+1 {{result must have 4, 8 or 16 i32 lanes (xmm, ymm, zmm), got 'vector<2xi32>'}}
  %p = quantc.x86.pmaddwd %a, %a : vector<4xi16> -> vector<2xi32>
  return %p : vector<2xi32>
}

// -----

// Plans: the bounds the kernel emitter relies on.
// expected-error @+1 {{mr must be in [1, 64], got 0}}
func.func private @mr_zero() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 0, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{mr must be in [1, 64], got 65}}
func.func private @mr_huge() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 65, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{kunroll must be in [0, 64], got 65}}
func.func private @kunroll() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 4, kunroll = 65, panel_block = 1, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{panel_block must be in [1, 2^32], got 0}}
func.func private @no_block() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 0, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{panel_block must be in [1, 2^32], got 9223372036854775807}}
func.func private @huge_block() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 9223372036854775807, parallel = false, emulate = false>}

// -----

// 8 x 4 accumulators + 4 weight registers + 1 broadcast: 37 zmm.
// expected-error @+1 {{mr x nr accumulators + nr weight registers + 1 must fit in 32 zmm registers (isa avx512_vnni: mr = 8, nr = 4)}}
func.func private @zmm_budget() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 8, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}

// -----

// 4 x 3 accumulators + 3 weight registers + broadcast + product: 17 ymm.
// expected-error @+1 {{mr x nr accumulators + nr weight registers + 2 must fit in 16 ymm registers (isa avx2: mr = 4, nr = 3)}}
func.func private @ymm_budget() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 8, n = 64, k = 100, mr = 4, nr = 3, kunroll = 2, panel_block = 1, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{mr x nr accumulators + nr weight registers + 1 must fit in 32 zmm registers (isa avx512_vnni: mr = 6, nr = 4294967296)}}
func.func private @huge_nr() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 4294967296, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}

// -----

// 255 * 128 * 65794 >= 2^31: the i32 accumulators could overflow.
// expected-error @+1 {{k = 65794 can overflow the i32 accumulators (avx512_vnni: at most 65793)}}
func.func private @overflow() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 65794, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{m, n and k must be positive (got 8, 0, 100)}}
func.func private @empty() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 0, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}

// -----

// expected-error @+1 {{emulate applies to avx512_vnni and amx plans only}}
func.func private @emulate_avx2() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 8, n = 64, k = 100, mr = 6, nr = 2, kunroll = 2, panel_block = 1, parallel = false, emulate = true>}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse QuantC_X86GemmPlanAttr parameter 'parallel'}}
func.func private @bad_bool() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 8, n = 64, k = 100, mr = 6, nr = 2, kunroll = 2, panel_block = 1, parallel = 1, emulate = false>}

// -----

// expected-error @+2 {{expected ::quantc::X86Isa to be one of: avx512_vnni, avx2}}
// expected-error @+1 {{failed to parse QuantC_X86GemmPlanAttr parameter 'isa'}}
func.func private @bad_isa() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = sse2, m = 8, n = 64, k = 100, mr = 6, nr = 2, kunroll = 2, panel_block = 1, parallel = false, emulate = false>}

// -----

// runtime_weight: the kernel's scratch holds one block of panels, at most all
// of them (64 columns here: 2 panels).
// expected-error @+1 {{panel_block = 3 exceeds the 2 weight panels of a runtime_weight plan}}
func.func private @runtime_block() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 65, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 3, parallel = false, emulate = false, runtime_weight = true>}

// -----

// 40000 panels of 4 x 65536 bytes (+ compensation) are more than 2^31 bytes.
// expected-error @+1 {{the run-time packing scratch of 40000 panels exceeds 2^31 bytes (runtime_weight)}}
func.func private @runtime_scratch() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 2560000, k = 65536, mr = 6, nr = 4, kunroll = 4, panel_block = 40000, parallel = false, emulate = false, runtime_weight = true>}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse QuantC_X86GemmPlanAttr parameter 'runtime_weight' which is to be a `bool`}}
func.func private @runtime_bool() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false, runtime_weight = 1>}

// -----

// small_m: the weight read in place by a VNNI kernel of 16 rows of A per
// block and 16 columns per panel, for at most 64 rows.
// expected-error @+1 {{a small_m plan needs runtime_weight, avx512_vnni, mr = 16, nr = 1 and m <= 64 (got avx512_vnni, mr = 6, nr = 1, m = 8)}}
func.func private @small_m_tile() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false, runtime_weight = true, small_m = true>}

// -----

// expected-error @+1 {{a small_m plan needs runtime_weight, avx512_vnni, mr = 16, nr = 1 and m <= 64 (got avx512_vnni, mr = 16, nr = 1, m = 65)}}
func.func private @small_m_rows() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 65, n = 64, k = 100, mr = 16, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false, runtime_weight = true, small_m = true>}

// -----

// expected-error @+1 {{a small_m plan needs runtime_weight}}
func.func private @small_m_constant() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 16, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false, small_m = true>}

// -----

// expected-error @+1 {{mr / 16 A tiles x nr B tiles + their C tiles must fit in 8 tmm registers (isa amx: mr = 48, nr = 2)}}
func.func private @k() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = amx, m = 64, n = 64, k = 64, mr = 48, nr = 2, kunroll = 1, panel_block = 1, parallel = false, emulate = false>}

// -----

// weight_kn: the run-time packer reads a [k, n] weight.
// expected-error @+1 {{a weight_kn plan needs runtime_weight and not small_m (its packer reads the [k, n] weight)}}
func.func private @weight_kn_constant() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false, weight_kn = true>}

// -----

// expected-error @+1 {{a weight_kn plan needs runtime_weight and not small_m}}
func.func private @weight_kn_small_m() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 8, n = 64, k = 100, mr = 16, nr = 1, kunroll = 8, panel_block = 1, parallel = false, emulate = false, runtime_weight = true, small_m = true, weight_kn = true>}
