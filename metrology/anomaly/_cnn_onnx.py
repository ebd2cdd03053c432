"""The discriminator channel's net as an ONNX model written without torch or the ``onnx``
package, so OpenCV's DNN module can run it (private helper of ``_cnn_scan``).

The model is the net of :func:`metrology.anomaly._cnn_scan.forward` for one image size: a
3 x 3 convolution, a strided one, the dilated residual layers and the 1 x 1 output, each with
its ReLU (the output without).  It is encoded here as protobuf by hand: the few messages an
ONNX graph of ``Conv``, ``Relu`` and ``Add`` needs (``ModelProto``, ``GraphProto``,
``NodeProto``, ``AttributeProto``, ``TensorProto``, ``ValueInfoProto``), field numbers as in
ONNX's ``onnx.proto``.  OpenCV's DNN runs it in about half the time of the numpy forward on
one thread (docs/anomaly.md); the logits agree with numpy's to float32 rounding (tested).
"""

from __future__ import annotations

import numpy as np

#: ONNX IR version and operator set the model declares (its three operators, Conv, Relu and
#: Add, are the same in every set up to this one)
IR_VERSION = 7
OPSET = 11
_FLOAT, _INTS = 1, 7  # TensorProto.FLOAT, AttributeProto.INTS


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _int(field: int, v: int) -> bytes:
    return _varint(field << 3) + _varint(v)


def _bytes(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _str(field: int, s: str) -> bytes:
    return _bytes(field, s.encode())


def _ints_attr(name: str, values: list[int]) -> bytes:
    return _str(1, name) + _int(20, _INTS) + b"".join(_int(8, v) for v in values)


def _node(op: str, inputs: list[str], output: str, attrs: bytes = b"") -> bytes:
    body = b"".join(_str(1, i) for i in inputs) + _str(2, output) + _str(3, output)
    body += _str(4, op) + attrs
    return _bytes(1, body)


def _tensor(name: str, a: np.ndarray) -> bytes:
    a = np.ascontiguousarray(a, "<f4")
    body = b"".join(_int(1, d) for d in a.shape) + _int(2, _FLOAT) + _str(8, name)
    return _bytes(5, body + _bytes(9, a.tobytes()))


def _value(field: int, name: str, shape: tuple[int, ...]) -> bytes:
    dims = b"".join(_bytes(1, _int(1, d)) for d in shape)
    tensor_type = _int(1, _FLOAT) + _bytes(2, dims)
    return _bytes(field, _str(1, name) + _bytes(2, _bytes(1, tensor_type)))


def _conv(name: str, x: str, weights: dict, stride: int, dil: int, pad: int) -> bytes:
    attrs = b"".join(_bytes(5, _ints_attr(k, v)) for k, v in (
        ("dilations", [dil, dil]), ("strides", [stride, stride]), ("pads", [pad] * 4),
        ("kernel_shape", list(weights[f"{name}_w"].shape[2:]))))
    return _node("Conv", [x, f"{name}_w", f"{name}_b"], f"{name}_conv", attrs)


def net_onnx(weights: dict, dilations: tuple[int, ...], shape: tuple[int, int]) -> bytes:
    """The serialised ONNX model of the net with ``weights`` (named as ``forward`` reads
    them) for one input of ``shape`` (H, W): input ``x`` (1, 1, H, W), output ``out_conv``
    (1, 1, ceil(H / 2), ceil(W / 2))."""
    h, w = int(shape[0]), int(shape[1])
    nodes = [_conv("c0", "x", weights, 1, 1, 1), _node("Relu", ["c0_conv"], "a0"),
             _conv("c1", "a0", weights, 2, 1, 1), _node("Relu", ["c1_conv"], "r")]
    prev = "r"
    for i, r in enumerate(dilations):
        nodes += [_conv(f"d{i}", prev, weights, 1, r, r),
                  _node("Relu", [f"d{i}_conv"], f"d{i}_relu"),
                  _node("Add", [f"d{i}_relu", prev], f"d{i}_sum")]
        prev = f"d{i}_sum"
    nodes.append(_conv("out", prev, weights, 1, 1, 0))
    names = ["c0", "c1"] + [f"d{i}" for i in range(len(dilations))] + ["out"]
    inits = [_tensor(f"{n}_{s}", weights[f"{n}_{s}"]) for n in names for s in "wb"]
    graph = b"".join(nodes) + _str(2, "cnn_scan") + b"".join(inits)
    graph += _value(11, "x", (1, 1, h, w))
    graph += _value(12, "out_conv", (1, 1, (h + 1) // 2, (w + 1) // 2))
    opset = _str(1, "") + _int(2, OPSET)
    return (_int(1, IR_VERSION) + _str(2, "metrology") + _bytes(7, graph) +
            _bytes(8, opset))


def dnn_net(weights: dict, dilations: tuple[int, ...], shape: tuple[int, int]):
    """An OpenCV DNN net running :func:`net_onnx`'s model (OpenCV's own CPU backend, at
    OpenCV's thread count: ``cv2.setNumThreads``)."""
    import cv2

    return cv2.dnn.readNetFromONNX(np.frombuffer(net_onnx(weights, dilations, shape), np.uint8))

