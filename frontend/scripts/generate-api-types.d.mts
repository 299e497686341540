export declare const SNAPSHOT_PATH: string;
export declare const GENERATED_PATH: string;
export declare function generateApiTypes(snapshotPath?: string): Promise<string>;
