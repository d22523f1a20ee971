/**
 * Output of `nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,
 * temperature.gpu,power.draw --format=csv,noheader,nounits` in the shapes different hosts print:
 * a busy 8-GPU server, an A100 in MIG mode (no utilisation), consumer boards without power
 * readings, and an old driver that writes N/A without brackets.
 */

/** 8 × H100 SXM, mixed load. */
export const H100_NODE = `0, NVIDIA H100 80GB HBM3, 97, 61234, 81559, 64, 612.48
1, NVIDIA H100 80GB HBM3, 95, 60970, 81559, 62, 598.03
2, NVIDIA H100 80GB HBM3, 0, 4, 81559, 31, 69.87
3, NVIDIA H100 80GB HBM3, 0, 4, 81559, 30, 70.12
4, NVIDIA H100 80GB HBM3, 88, 44012, 81559, 58, 455.90
5, NVIDIA H100 80GB HBM3, 91, 44010, 81559, 60, 470.31
6, NVIDIA H100 80GB HBM3, 100, 79800, 81559, 71, 699.99
7, NVIDIA H100 80GB HBM3, 12, 2210, 81559, 36, 118.40
`;

/** A100 with MIG enabled: utilisation is not reported for the whole GPU. */
export const A100_MIG = `0, NVIDIA A100-SXM4-40GB, [N/A], 13, 40960, 32, 52.64
1, NVIDIA A100-SXM4-40GB, 41, 10112, 40960, 45, 160.20
`;

/** Laptop/consumer boards: no power reading; CRLF line ends as some Windows drivers write. */
export const CONSUMER = '0, NVIDIA GeForce RTX 3060 Laptop GPU, 3, 5, 6144, 44, [N/A]\r\n1, NVIDIA GeForce GTX 1650, 0, 0, 4096, 38, [Not Supported]\r\n';

/** Old driver (440 series): N/A without brackets. */
export const OLD_DRIVER = '0, Tesla K80, 0, 0, 11441, 29, N/A\n';
