"""Curated lexicon of well-known AI artifacts, and of the names that are *not* artifacts.

Pure data, read by ``ingest.alternatives``. Each table is a block of lines::

    Canonical Name | alias, alias, ...

* Spelling variants that differ only in case, spaces, hyphens, dots, underscores, slashes or
  middle dots are matched automatically (``ResNet-50`` also matches ``ResNet50``, ``resnet 50``;
  ``DALL-E 3`` also matches ``DALL·E 3``, ``Dall-E3``), so aliases list only genuinely different
  spellings (``SDXL`` for ``Stable Diffusion XL``).
* Every ``Stable Diffusion …`` name (canonical or alias) also gets an ``SD …`` alias.
* A leading ``=`` makes that name case-sensitive: it is an artifact only when written in exactly
  that case (``=CLIP`` is the model, "clip" is a word).
* Aliases are spellings of the *same* artifact only. Distinct checkpoints stay distinct (no alias
  ``vit-base-patch16-224`` for ViT-Base): ``canonical_name`` must never rename an exact name.

Artifact kinds: model, tool (apps, UIs, repositories), library (frameworks, runtimes, serving),
service (hosted APIs and products). The non-artifact tables (datasets, formats, techniques,
architectures, organisations) are recognised so that they are never reported as alternatives and
never guessed as unseen artifacts by the pattern rule.
"""

MODELS = """
# --- image classification / vision backbones ---
ResNet                        |
ResNet-18                     |
ResNet-34                     |
ResNet-50                     | ResNet-50 v1.5
ResNet-101                    |
ResNet-152                    |
ResNeXt-50                    | ResNeXt-50 32x4d
ResNeXt-101                   |
Wide ResNet-50                | WideResNet-50, WRN-50
EfficientNet                  |
EfficientNet-B0               |
EfficientNet-B1               |
EfficientNet-B2               |
EfficientNet-B3               |
EfficientNet-B4               |
EfficientNet-B5               |
EfficientNet-B6               |
EfficientNet-B7               |
EfficientNetV2                | EfficientNet V2
EfficientNetV2-S              |
EfficientNetV2-M              |
EfficientNetV2-L              |
MobileNet                     |
MobileNetV1                   | MobileNet V1
MobileNetV2                   | MobileNet V2
MobileNetV3                   | MobileNet V3
MobileNetV3-Small             | MobileNet V3 Small
MobileNetV3-Large             | MobileNet V3 Large
MobileNetV4                   | MobileNet V4
MobileViT                     |
MobileViTv2                   | MobileViT v2
EfficientFormer               |
ViT-Tiny                      | ViT-Ti
ViT-Small                     |
ViT-Base                      | ViT-B
ViT-Large                     | ViT-L
ViT-Huge                      | ViT-H
ViT-B/16                      |
ViT-B/32                      |
ViT-L/14                      |
ViT-L/16                      |
DeiT                          |
DeiT-Small                    |
DeiT-Base                     |
Swin Transformer              | =Swin
Swin-T                        | Swin-Tiny
Swin-B                        | Swin-Base
Swin-L                        | Swin-Large
ConvNeXt                      |
ConvNeXt-T                    | ConvNeXt-Tiny
ConvNeXt-B                    | ConvNeXt-Base
ConvNeXt-L                    | ConvNeXt-Large
RegNet                        |
DenseNet                      |
DenseNet-121                  |
DenseNet-169                  |
DenseNet-201                  |
VGG                           |
VGG-16                        |
VGG-19                        |
Inception-v3                  | InceptionV3, GoogLeNet v3
Inception-v4                  | InceptionV4
GoogLeNet                     |
Xception                      |
AlexNet                       |
SqueezeNet                    |
ShuffleNet                    |
ShuffleNetV2                  | ShuffleNet V2
GhostNet                      |
NASNet                        |
BEiT                          |
=DINO                         |
DINOv2                        | DINO v2
=CLIP                         | OpenAI CLIP
OpenCLIP                      |
SigLIP                        |
EVA-CLIP                      |
=BLIP                         |
BLIP-2                        |
Florence-2                    |
LLaVA                         |
Segment Anything              | Segment Anything Model, =SAM
SAM 2                         | Segment Anything 2
# --- detection / segmentation / depth ---
YOLO                          |
YOLOv3                        |
YOLOv4                        |
YOLOv5                        |
YOLOv7                        |
YOLOv8                        |
YOLOv9                        |
YOLOv10                       |
YOLO11                        | YOLOv11
YOLOX                         |
DETR                          |
RT-DETR                       |
Faster R-CNN                  |
Mask R-CNN                    |
RetinaNet                     |
DeepLabv3                     | DeepLab v3, DeepLabV3+
Mask2Former                   |
OWL-ViT                       |
Grounding DINO                |
Depth Anything                |
MiDaS                         |
# --- image generation ---
Stable Diffusion              |
Stable Diffusion 1.4          | Stable Diffusion v1.4
Stable Diffusion 1.5          | Stable Diffusion v1.5
Stable Diffusion 2            | Stable Diffusion 2.0, Stable Diffusion v2
Stable Diffusion 2.1          | Stable Diffusion v2.1
Stable Diffusion XL           | SDXL, SDXL 1.0, SDXL Base, SDXL Base 1.0, Stable Diffusion XL 1.0
SDXL Turbo                    | Stable Diffusion XL Turbo
SDXL-Lightning                | SDXL Lightning
SD Turbo                      | Stable Diffusion Turbo
Stable Diffusion 3            | Stable Diffusion 3.0, SD3, Stable Diffusion v3
Stable Diffusion 3 Medium     | Stable Diffusion 3.0 Medium, SD3 Medium
Stable Diffusion 3.5          |
Stable Diffusion 3.5 Large    |
Stable Diffusion 3.5 Large Turbo |
Stable Diffusion 3.5 Medium   |
Stable Cascade                |
Stable Video Diffusion        |
DeepFloyd IF                  |
PixArt-α                      | PixArt-alpha, PixArt Alpha
PixArt-Σ                      | PixArt-Sigma
Playground v2.5               | Playground 2.5
Kandinsky                     |
Kandinsky 2.2                 |
Kandinsky 3                   |
Würstchen                     | Wuerstchen
LCM-LoRA                      | LCM LoRA
Hyper-SD                      |
ControlNet                    |
IP-Adapter                    |
T2I-Adapter                   |
AnimateDiff                   |
FLUX.1                        | =FLUX, =Flux
FLUX.1 [dev]                  | FLUX.1 dev, FLUX.1-dev, Flux dev
FLUX.1 [schnell]              | FLUX.1 schnell, FLUX.1-schnell, Flux schnell
FLUX.1 [pro]                  | FLUX.1 pro, Flux Pro
DALL-E                        |
DALL-E 2                      |
DALL-E 3                      |
Midjourney                    |
Midjourney v5                 |
Midjourney v6                 |
Imagen                        |
Imagen 2                      |
Imagen 3                      |
Adobe Firefly                 | =Firefly
=Ideogram                     |
Leonardo.Ai                   | Leonardo AI
NovelAI                       |
Craiyon                       |
=Sora                         |
=Veo                          |
Runway Gen-2                  |
Runway Gen-3                  |
# --- language, speech and embedding models ---
GPT-2                         |
GPT-3                         |
GPT-3.5                       | GPT-3.5 Turbo
GPT-4                         |
GPT-4 Turbo                   |
GPT-4o                        |
GPT-4o mini                   |
ChatGPT                       |
=Claude                       |
Claude 2                      |
Claude 3 Opus                 |
Claude 3 Sonnet               |
Claude 3 Haiku                |
Claude 3.5 Sonnet             |
=Gemini                       |
Gemini Pro                    | Gemini 1.0 Pro
Gemini 1.5 Pro                |
Gemini 1.5 Flash              |
=PaLM                         |
PaLM 2                        |
=Bard                         |
=Grok                         |
Llama                         | LLaMA
Llama 2                       | Llama-2, LLaMA 2
Llama 3                       | LLaMA 3
Llama 3.1                     |
Llama 3.2                     |
Code Llama                    | CodeLlama
=Mistral                      |
Mistral 7B                    |
Mixtral 8x7B                  |
Mixtral                       |
=Falcon                       |
Falcon 40B                    |
Falcon 7B                     |
Qwen                          |
Qwen2                         |
Qwen2.5                       |
Phi-2                         |
Phi-3                         |
Gemma                         |
Gemma 2                       |
DeepSeek-V3                   |
DeepSeek-R1                   |
BERT                          |
BERT-Base                     |
BERT-Large                    |
RoBERTa                       |
DistilBERT                    |
=ALBERT                       |
DeBERTa                       |
=ELECTRA                      |
XLNet                         |
T5                            |
Flan-T5                       |
=BART                         |
GPT-J                         |
GPT-NeoX                      |
=OPT                          |
=BLOOM                        |
Vicuna                        |
StarCoder                     |
=Whisper                      | OpenAI Whisper
wav2vec 2.0                   | wav2vec2
Sentence-BERT                 | SBERT
text-embedding-ada-002        | OpenAI ada-002
text-embedding-3-small        |
text-embedding-3-large        |
all-MiniLM-L6-v2              |
"""

TOOLS = """
AUTOMATIC1111 WebUI           | AUTOMATIC1111, A1111, Automatic1111 WebUI, Stable Diffusion WebUI, stable-diffusion-webui, SD WebUI
ComfyUI                       |
InvokeAI                      |
Fooocus                       |
sdnext                        | SD.Next, Vlad Diffusion
Kohya_ss                      | kohya-ss
Deforum                       |
Dreambooth-Stable-Diffusion   |
DreamStudio                   |
Clipdrop                      |
Gradio                        |
Streamlit                     |
LM Studio                     |
Ollama                        |
llama.cpp                     |
GitHub Copilot                |
"""

LIBRARIES = """
PyTorch                       |
TensorFlow                    |
Keras                         | TensorFlow Keras, tf.keras
JAX                           |
=Flax                         |
MXNet                         | Apache MXNet
=Caffe                        |
PaddlePaddle                  |
PyTorch Lightning             | =Lightning
ONNX Runtime                  | ONNXRuntime
TensorRT                      | NVIDIA TensorRT
TensorRT-LLM                  |
OpenVINO                      | Intel OpenVINO
Core ML                       | CoreML, Apple Core ML
TensorFlow Lite               | TFLite, TF Lite, LiteRT
TensorFlow.js                 | TFJS
TorchServe                    |
TensorFlow Serving            | TF Serving
Triton Inference Server       | NVIDIA Triton, NVIDIA Triton Inference Server, =Triton
vLLM                          |
Text Generation Inference     | =TGI
ExLlamaV2                     |
MLC LLM                       |
GGML                          |
DeepSpeed                     |
PyTorch FSDP                  | FSDP, Fully Sharded Data Parallel
Megatron-LM                   |
Horovod                       |
Hugging Face Transformers     | HuggingFace Transformers, HF Transformers, transformers library
Hugging Face Diffusers        | Diffusers, HuggingFace Diffusers, HF Diffusers
Hugging Face Accelerate       | HF Accelerate
Hugging Face Trainer          | HF Trainer, Transformers Trainer
PEFT                          | Hugging Face PEFT
=TRL                          |
bitsandbytes                  |
Hugging Face Optimum          | =Optimum
xFormers                      |
=FlashAttention               | FlashAttention-2
timm                          | PyTorch Image Models
torchvision                   |
Detectron2                    |
MMDetection                   |
Ultralytics                   |
OpenCV                        |
scikit-learn                  | sklearn
XGBoost                       |
LightGBM                      |
spaCy                         |
=NLTK                         |
fastai                        |
LangChain                     |
LlamaIndex                    |
=Haystack                     |
Semantic Kernel               |
AutoGen                       |
CrewAI                        |
DSPy                          |
Weights & Biases              | Weights and Biases, W&B, wandb
TensorBoard                   |
MLflow                        |
ClearML                       |
=DVC                          |
=Ray                          |
Ray Serve                     |
BentoML                       |
Seldon Core                   |
KServe                        |
Kubeflow                      |
FAISS                         |
Sentence Transformers         | sentence-transformers
"""

SERVICES = """
OpenAI API                    |
Azure OpenAI Service          | Azure OpenAI
Vertex AI                     | Google Vertex AI
Amazon SageMaker              | AWS SageMaker, SageMaker
Amazon Bedrock                | AWS Bedrock
Amazon Rekognition            | AWS Rekognition
Google Cloud Vision API       | Google Cloud Vision, Cloud Vision API
Azure AI Vision               | Azure Computer Vision
Hugging Face Hub              | HuggingFace Hub, HF Hub
Hugging Face Inference API    | HuggingFace Inference API, HF Inference API
Hugging Face Inference Endpoints | HuggingFace Inference Endpoints, HF Inference Endpoints, Inference Endpoints
Hugging Face Spaces           | HuggingFace Spaces, HF Spaces
=Replicate                    |
Together AI                   |
Fireworks AI                  |
RunPod                        |
Baseten                       |
Cohere API                    |
Anthropic API                 |
Stability AI API              | Stability API
Google Colab                  | Colab
Roboflow                      |
Clarifai                      |
=Pinecone                     |
Weaviate                      |
Milvus                        |
Qdrant                        |
Elasticsearch                 |
pgvector                      |
"""

# --- names that are recognised but are NOT artifacts ---------------------------------------------

DATASETS = """
ImageNet                      |
ImageNet-1k                   | ImageNet 1k, ILSVRC-2012, ILSVRC2012
ImageNet-21k                  | ImageNet 21k, ImageNet-22k
COCO                          | MS COCO, MSCOCO
LAION-5B                      |
LAION-400M                    |
LAION-2B                      |
LAION-Aesthetics              |
CIFAR-10                      |
CIFAR-100                     |
JFT-300M                      |
Places365                     |
ADE20K                        |
Cityscapes                    |
Pascal VOC                    |
MNIST                         |
Open Images                   | OpenImages
GLUE                          |
SQuAD                         |
MMLU                          |
HumanEval                     |
GSM8K                         |
HellaSwag                     |
WikiText-103                  |
Common Crawl                  |
"""

FORMATS = """
ONNX                          |
safetensors                   | SafeTensors
GGUF                          |
TorchScript                   |
pickle                        |
"""

# Techniques and methods: not artifacts on their own (see the rule in ingest.alternatives).
TECHNIQUES = """
LoRA                          | Low-Rank Adaptation
QLoRA                         |
DreamBooth                    |
Textual Inversion             |
QAT                           | quantization-aware training
Classifier-Free Guidance      | CFG
Knowledge Distillation        |
Query-Key Normalization       | QK Normalization, QK-Norm
Flash Attention               |
Attention Slicing             |
Post-Training Quantization    | PTQ
ZeRO                          | ZeRO-1, ZeRO-2, ZeRO-3, ZeRO-Offload, ZeRO-Infinity
"""

ARCHITECTURES = """
ViT                           | Vision Transformer
CNN                           |
=RNN                          |
LSTM                          |
=GAN                          |
=VAE                          |
Transformer                   |
UNet                          | U-Net
MMDiT                         |
MMDiT-X                       |
DiT                           | Diffusion Transformer
Multimodal Diffusion Transformer |
"""

ORGANISATIONS = """
Hugging Face                  | HuggingFace, =HF
Stability AI                  | =Stability
OpenAI                        |
Google                        | Google Research, Google DeepMind, DeepMind
=Meta                         | Meta AI, Facebook AI
Microsoft                     |
NVIDIA                        |
=Apple                        |
=Intel                        |
=AMD                          |
=Amazon                       | =AWS
Anthropic                     |
Mistral AI                    |
GitHub                        |
Docker                        |
Kubernetes                    |
"""

# Tokens that look like unseen artifact names to the pattern rule (letters + digits, CamelCase)
# but are not: precisions, hardware, platforms, units, standards. Compared case-insensitively.
PATTERN_STOPWORDS = frozenset(
    [
        "int2",
        "int4",
        "int8",
        "int16",
        "int32",
        "uint8",
        "fp4",
        "fp8",
        "fp16",
        "fp32",
        "fp64",
        "bf16",
        "tf32",
        "nf4",
        "q4",
        "q8",
        "top-1",
        "top-5",
        "top1",
        "top5",
        "arm64",
        "aarch64",
        "x86",
        "x86-64",
        "amd64",
        "armv7",
        "armv8",
        "rtx",
        "gtx",
        "cuda11",
        "cuda12",
        "python3",
        "python2",
        "http2",
        "http3",
        "ipv4",
        "ipv6",
        "utf-8",
        "utf8",
        "utf-16",
        "sha-256",
        "sha256",
        "md5",
        "base64",
        "mp3",
        "mp4",
        "h264",
        "h265",
        "covid-19",
        "ddr4",
        "ddr5",
        "gddr6",
        "hbm2",
        "hbm3",
        "pcie4",
        "pcie5",
        "wifi6",
        "web3",
        "web2",
        "log2",
        "log10",
        "imagenet-1k",
        "imagenet-21k",
        "imagenet-22k",
        "in1k",
        "in21k",
        "in22k",
        "mmdit-x",
        "websocket",
        "javascript",
        "typescript",
    ]
)
